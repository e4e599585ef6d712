// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdx-mkmodule: writes a synthetic TDX module (.bin + .sigstruct, and
 * optionally a joined image) following kernel/tdx_sim_payload.h, for demo
 * catalogs and VM tests. The sigstruct is Intel-shaped and signed with the
 * test signing key (tests/common/synth-sign.c), never with a real one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/cpu.h>
#include <tdx/hash.h>
#include <tdx/image.h>
#include <tdx/macro.h>
#include "synth.h"

struct options {
	struct synth_module_spec spec;
	size_t n_cpuids;
	const char *bin_path;
	const char *sigstruct_path;
	const char *blob_path;
	enum tdx_image_format format;
};

static void usage(FILE *f)
{
	fputs("usage: tdx-mkmodule --version X.Y.ZZ [--handoff X.Y.ZZ] [--pages N] [--debug]\n"
	      "                    [--svn N] [--date 0xYYYYMMDD] [--cpuid SIG]...\n"
	      "                    [--bin OUT.bin --sigstruct OUT.sigstruct]\n"
	      "                    [--blob OUT.blob [--format 0x100|0x200]]\n"
	      "       tdx-mkmodule --key-fingerprint | --generate-key PATH\n"
	      "Numbers are decimal or 0x-prefixed hex. --cpuid may be given up to 8 times\n"
	      "(default 0x806f8). --handoff defaults to X.Y.00 and is the oldest running\n"
	      "version the module can take over from. The sigstruct is signed with the test\n"
	      "signing key ($TDX_TEST_SIGNING_KEY, else the build's); --key-fingerprint\n"
	      "prints its SHA-256 for trust lists, --generate-key writes it to PATH.\n",
	      f);
}

static int parse_u32(const char *opt, const char *arg, uint32_t max, uint32_t *ret)
{
	uint32_t v;

	/* Same strict hex-or-decimal rules as the CPU signature override. */
	if (tdx_cpu_signature_parse(arg, &v) < 0 || v > max) {
		fprintf(stderr, "tdx-mkmodule: %s: \"%s\" is not a number up to %u\n", opt, arg,
			max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int parse_version_arg(const char *opt, const char *arg, struct tdx_version *ret)
{
	if (tdx_version_parse(arg, ret) < 0) {
		fprintf(stderr, "tdx-mkmodule: %s: \"%s\" is not a version X.Y.ZZ\n", opt, arg);
		return -EINVAL;
	}
	return 0;
}

static int add_cpuid(struct options *o, const char *arg)
{
	uint32_t v;

	if (o->n_cpuids == ELEMENTSOF(o->spec.cpuids) - 1) {
		fprintf(stderr, "tdx-mkmodule: at most %zu --cpuid\n",
			ELEMENTSOF(o->spec.cpuids) - 1);
		return -EINVAL;
	}
	if (parse_u32("--cpuid", arg, UINT32_MAX, &v) < 0)
		return -EINVAL;
	if (v == 0) {
		fprintf(stderr, "tdx-mkmodule: --cpuid: 0 is not a CPU signature\n");
		return -EINVAL;
	}
	o->spec.cpuids[o->n_cpuids++] = v;
	return 0;
}

enum {
	OPT_VERSION = 256,
	OPT_HANDOFF,
	OPT_PAGES,
	OPT_DEBUG,
	OPT_SVN,
	OPT_DATE,
	OPT_CPUID,
	OPT_BIN,
	OPT_SIGSTRUCT,
	OPT_BLOB,
	OPT_FORMAT
};

static int parse_option(struct options *o, int c, const char *arg)
{
	uint32_t v;
	int r = 0;

	switch (c) {
	case OPT_VERSION:
		return parse_version_arg("--version", arg, &o->spec.version);
	case OPT_HANDOFF:
		return parse_version_arg("--handoff", arg, &o->spec.handoff_min);
	case OPT_PAGES:
		r = parse_u32("--pages", arg, TDX_MAX_MODULE_PAGES, &v);
		if (r == 0 && v == 0) {
			fprintf(stderr, "tdx-mkmodule: --pages: a module has at least one page\n");
			r = -EINVAL;
		}
		o->spec.module_pages = v;
		return r;
	case OPT_DEBUG:
		o->spec.debug = true;
		return 0;
	case OPT_SVN:
		r = parse_u32("--svn", arg, UINT16_MAX, &v);
		o->spec.seam_svn = (uint16_t)v;
		return r;
	case OPT_DATE:
		return parse_u32("--date", arg, UINT32_MAX, &o->spec.date);
	case OPT_CPUID:
		return add_cpuid(o, arg);
	case OPT_BIN:
		o->bin_path = arg;
		return 0;
	case OPT_SIGSTRUCT:
		o->sigstruct_path = arg;
		return 0;
	case OPT_BLOB:
		o->blob_path = arg;
		return 0;
	case OPT_FORMAT:
		if (tdx_image_format_from_string(arg, &o->format) == 0)
			return 0;
		fprintf(stderr, "tdx-mkmodule: --format: \"%s\" is not 0x100 or 0x200\n", arg);
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

static int parse_argv(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"version", required_argument, NULL, OPT_VERSION},
		{"handoff", required_argument, NULL, OPT_HANDOFF},
		{"pages", required_argument, NULL, OPT_PAGES},
		{"debug", no_argument, NULL, OPT_DEBUG},
		{"svn", required_argument, NULL, OPT_SVN},
		{"date", required_argument, NULL, OPT_DATE},
		{"cpuid", required_argument, NULL, OPT_CPUID},
		{"bin", required_argument, NULL, OPT_BIN},
		{"sigstruct", required_argument, NULL, OPT_SIGSTRUCT},
		{"blob", required_argument, NULL, OPT_BLOB},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	bool have_version = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?' || parse_option(o, c, optarg) < 0)
			return -EINVAL;
		have_version |= c == OPT_VERSION;
	}
	if (optind < argc || !have_version || (!o->bin_path != !o->sigstruct_path) ||
	    (!o->bin_path && !o->blob_path)) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int write_out(const char *path, const void *data, size_t size)
{
	int r = tdx_file_write_atomic(path, data, size, 0644);

	if (r < 0)
		fprintf(stderr, "tdx-mkmodule: %s: %s\n", path, strerror(-r));
	return r;
}

/* The modes about the test key itself; -1 when argv is not one of them. */
static int key_mode(int argc, char **argv)
{
	uint8_t fp[TDX_SHA256_SIZE];
	char hex[2 * TDX_SHA256_SIZE + 1];
	int r;

	if (argc == 2 && strcmp(argv[1], "--key-fingerprint") == 0) {
		r = synth_key_fingerprint(fp);
		if (r < 0) {
			fprintf(stderr, "tdx-mkmodule: test key: %s\n", strerror(-r));
			return 1;
		}
		printf("%s\n", tdx_hex(fp, sizeof(fp), hex));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--generate-key") == 0) {
		r = synth_key_generate(argv[2]);
		if (r < 0) {
			fprintf(stderr, "tdx-mkmodule: %s: %s\n", argv[2], strerror(-r));
			return 1;
		}
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct options o = {.format = TDX_IMAGE_FORMAT_V2};
	_cleanup_free_ uint8_t *bin = NULL, *img = NULL;
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	struct tdx_diag diag = {};
	size_t bin_size, img_size;
	int r;

	r = key_mode(argc, argv);
	if (r >= 0)
		return r;
	r = parse_argv(argc, argv, &o);
	if (r != 0)
		return r > 0 ? 0 : 2;
	r = synth_module_build(&o.spec, &bin, &bin_size, sig);
	if (r < 0) {
		fprintf(stderr, "tdx-mkmodule: cannot build module: %s\n", strerror(-r));
		return 1;
	}
	if (o.bin_path && (write_out(o.bin_path, bin, bin_size) < 0 ||
			   write_out(o.sigstruct_path, sig, sizeof(sig)) < 0))
		return 1;
	if (o.blob_path) {
		r = tdx_image_build(o.format, sig, sizeof(sig), bin, bin_size, &img, &img_size,
				    &diag);
		if (r < 0) {
			fprintf(stderr, "tdx-mkmodule: %s\n", diag.msg);
			return 1;
		}
		if (write_out(o.blob_path, img, img_size) < 0)
			return 1;
	}
	return 0;
}
