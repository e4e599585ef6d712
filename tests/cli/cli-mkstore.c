/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes a synthetic module store for the CLI tests:
 *   cli-mkstore ROOT [--format=0x100|0x200] [--separate] [--mapping=FILE] [--many=N] SPEC...
 * SPEC is VERSION[,min=VERSION][,debug][,cpu=HEX][,pages=N]; min is the
 * release's min_module_version_for_td_preserving (the generated mapping).
 * --many=N adds N one-page modules 2.<i/100>.<i%100> (a big store for floods).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/cpu.h>
#include <tdx/sysfs.h>
#include "synth.h"

#define MAX_SPECS 32

static int parse_spec_option(struct synth_module_spec *spec, const char *opt)
{
	if (strncmp(opt, "min=", 4) == 0)
		return tdx_version_parse(opt + 4, &spec->handoff_min);
	if (strcmp(opt, "debug") == 0) {
		spec->debug = true;
		return 0;
	}
	if (strncmp(opt, "cpu=", 4) == 0)
		return tdx_cpu_signature_parse(opt + 4, &spec->cpuids[0]);
	if (strncmp(opt, "pages=", 6) == 0)
		return tdx_parse_uint32(opt + 6, &spec->module_pages);
	return -EINVAL;
}

static int parse_spec(char *s, struct synth_module_spec *spec)
{
	char *save = NULL, *tok = strtok_r(s, ",", &save);
	int r;

	*spec = (struct synth_module_spec){};
	if (!tok || tdx_version_parse(tok, &spec->version) < 0)
		return -EINVAL;
	while ((tok = strtok_r(NULL, ",", &save))) {
		r = parse_spec_option(spec, tok);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Reads the mapping text, NUL-terminated for synth_store_write(). */
static int read_mapping(const char *path, char **ret)
{
	_cleanup_free_ uint8_t *data = NULL;
	char *text;
	size_t size;
	int r;

	r = tdx_file_read_all(path, 1u << 20, &data, &size, NULL);
	if (r < 0)
		return r;
	text = malloc(size + 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, data, size);
	text[size] = '\0';
	*ret = text;
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'},
		{"separate", no_argument, NULL, 's'},
		{"mapping", required_argument, NULL, 'm'},
		{"many", required_argument, NULL, 'n'},
		{},
	};
	_cleanup_free_ struct synth_module_spec *specs = NULL;
	unsigned many = 0;
	enum tdx_image_format fmt = TDX_IMAGE_FORMAT_V2;
	unsigned flags = SYNTH_STORE_JOINED;
	_cleanup_free_ char *mapping = NULL;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		if (c == 'f' && tdx_image_format_from_string(optarg, &fmt) == 0)
			continue;
		if (c == 's') {
			flags |= SYNTH_STORE_SEPARATE;
			continue;
		}
		if (c == 'm' && read_mapping(optarg, &mapping) == 0)
			continue;
		if (c == 'n' && tdx_parse_uint32(optarg, &many) == 0 && many <= 100000)
			continue;
		fprintf(stderr, "cli-mkstore: bad option\n");
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: cli-mkstore ROOT [--format=F] [--separate] SPEC...\n");
		return 2;
	}
	specs = calloc(MAX_SPECS + many, sizeof(*specs));
	if (!specs)
		return 1;
	for (int i = optind + 1; i < argc; i++) {
		if (n >= MAX_SPECS || parse_spec(argv[i], &specs[n++]) < 0) {
			fprintf(stderr, "cli-mkstore: bad spec \"%s\"\n", argv[i]);
			return 2;
		}
	}
	for (unsigned i = 0; i < many; i++)
		specs[n++] = (struct synth_module_spec){
			.version = {2, i / 100, i % 100},
			.module_pages = 1,
			.cpuids = {SYNTH_CPU_SPR},
		};
	r = synth_store_write(argv[optind], mapping, specs, n, fmt, flags);
	if (r < 0) {
		fprintf(stderr, "cli-mkstore: %s: %s\n", argv[optind], strerror(-r));
		return 1;
	}
	return 0;
}
