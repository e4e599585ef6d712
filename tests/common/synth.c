// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Synthetic modules, sigstructs and stores (see synth.h). Conventions, also
 * written down in mapping/README.md:
 *  - the module binary starts with the kernel/tdx_sim_payload.h header, the
 *    rest is xorshift64 filler seeded by the version, so every version has its
 *    own seamhash;
 *  - seam_svn defaults to ((minor & 0xff) << 8) | (update & 0xff);
 *  - handoff_min defaults to x.y.00 (takes over from any running x.y).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdx/hash.h>
#include "kernel/tdx_sim_payload.h"
#include <tdx/macro.h>
#include "src/lib/fileio-internal.h"
#include "src/lib/image-layout.h"
#include "synth.h"

#define SYNTH_DEFAULT_PAGES 4u
#define SYNTH_DEFAULT_DATE  0x20250101u

static bool version_is_zero(const struct tdx_version *v)
{
	return v->major == 0 && v->minor == 0 && v->update == 0;
}

static uint16_t default_svn(const struct tdx_version *v)
{
	return (uint16_t)(((v->minor & 0xffu) << 8) | (v->update & 0xffu));
}

static void put_version(uint8_t *p, const struct tdx_version *v)
{
	put_le32(p, v->major);
	put_le32(p + 4, v->minor);
	put_le32(p + 8, v->update);
}

static void fill_payload(uint8_t *bin, size_t size, const struct synth_module_spec *spec)
{
	struct tdx_version handoff = spec->handoff_min;
	uint64_t x;

	if (version_is_zero(&handoff))
		handoff = (struct tdx_version){spec->version.major, spec->version.minor, 0};
	memcpy(bin, TDX_SIM_MAGIC, TDX_SIM_MAGIC_LEN);
	put_le32(bin + TDX_SIM_OFF_LAYOUT, TDX_SIM_LAYOUT_VERSION);
	put_version(bin + TDX_SIM_OFF_VERSION, &spec->version);
	put_version(bin + TDX_SIM_OFF_HANDOFF, &handoff);
	put_le32(bin + TDX_SIM_OFF_FLAGS, 0);
	/* xorshift64: deterministic, distinct per version, never zero. */
	x = ((uint64_t)spec->version.major << 42) ^ ((uint64_t)spec->version.minor << 21) ^
	    spec->version.update ^ 0x9e3779b97f4a7c15ull;
	for (size_t i = TDX_SIM_HEADER_SIZE; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bin[i] = (uint8_t)x;
	}
}

static int fill_sigstruct(uint8_t *sig, const struct synth_module_spec *spec, const uint8_t *bin,
			  size_t bin_size)
{
	uint32_t n = 0;

	memset(sig, 0, TDX_SIGSTRUCT_SIZE);
	put_le32(sig + SIG_OFF_HEADER_TYPE, SIG_HEADER_TYPE);
	put_le32(sig + SIG_OFF_HEADER_LENGTH, 0xe1);
	put_le32(sig + SIG_OFF_HEADER_VERSION, 0x10000);
	put_le32(sig + SIG_OFF_MODULE_TYPE, spec->debug ? SIG_DEBUG_BIT : 0);
	put_le32(sig + SIG_OFF_MODULE_VENDOR, SIG_VENDOR_INTEL);
	put_le32(sig + SIG_OFF_DATE, spec->date ? spec->date : SYNTH_DEFAULT_DATE);
	put_le32(sig + SIG_OFF_SIZE, TDX_SIGSTRUCT_SIZE / 4);
	put_le16(sig + SIG_OFF_SEAMSVN,
		 spec->seam_svn ? spec->seam_svn : default_svn(&spec->version));
	for (; n < ELEMENTSOF(spec->cpuids) && spec->cpuids[n]; n++)
		put_le32(sig + SIG_OFF_CPUID_TABLE + 4 * n, spec->cpuids[n]);
	if (n == 0)
		put_le32(sig + SIG_OFF_CPUID_TABLE + 4 * n++, SYNTH_CPU_SPR);
	put_le32(sig + SIG_OFF_CPUID_COUNT, n);
	(void)tdx_sha384(bin, bin_size, sig + SIG_OFF_SEAMHASH);
	return synth_sign_sigstruct(sig);
}

int synth_module_build(const struct synth_module_spec *spec, uint8_t **ret_bin,
		       size_t *ret_bin_size, uint8_t ret_sigstruct[TDX_SIGSTRUCT_SIZE])
{
	uint32_t pages = spec->module_pages ? spec->module_pages : SYNTH_DEFAULT_PAGES;
	_cleanup_free_ uint8_t *bin = NULL;
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	size_t size = (size_t)pages * TDX_PAGE_SIZE;
	int r;

	bin = malloc(size);
	if (!bin)
		return -ENOMEM;
	fill_payload(bin, size, spec);
	r = fill_sigstruct(sig, spec, bin, size);
	if (r < 0)
		return r;
	memcpy(ret_sigstruct, sig, sizeof(sig));
	*ret_bin = TAKE_PTR(bin);
	*ret_bin_size = size;
	return 0;
}

static int mkdir_p(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

/* Test fixtures need no fsync: benchmarks write thousands of them. */
static int write_plain(const char *path, const void *data, size_t size)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return negative_errno();
	r = tdx_file_write_full(fd, data, size);
	if (r < 0)
		return r;
	return close(TAKE_FD(fd)) < 0 ? negative_errno() : 0;
}

static int write_in_dir(const char *dir, const char *name, const void *data, size_t size)
{
	_cleanup_free_ char *path = NULL;
	int r;

	r = mkdir_p(dir);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	return write_plain(path, data, size);
}

static void format_seamldr_list(const struct tdx_version *v, char *buf, size_t size)
{
	if (v->major >= 2)
		snprintf(buf, size, "\"2.0.00\"");
	else
		snprintf(buf, size, "\"%u.%u.00\", \"2.0.00\"", v->major, v->minor);
}

/* One release per spec; min_td_preserving is the spec's handoff_min, else x.y.01. */
static char *generate_mapping(const struct synth_module_spec *specs, size_t n_specs)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	fputs("{\n  \"Header\": { \"Info\": \"synthetic\", \"Version\": \"1.0\" },\n"
	      "  \"tdx_module_releases\": [\n",
	      f);
	for (size_t i = 0; i < n_specs; i++) {
		const struct tdx_version *v = &specs[i].version;
		struct tdx_version min = specs[i].handoff_min;
		char vs[TDX_VERSION_STRING_MAX], ms[TDX_VERSION_STRING_MAX], ldr[64];

		if (version_is_zero(&min))
			min = (struct tdx_version){v->major, v->minor, 1};
		format_seamldr_list(v, ldr, sizeof(ldr));
		fprintf(f,
			"    { \"version\": \"%s\", \"min_module_version_for_td_preserving\": "
			"\"%s\",\n"
			"      \"min_seamldr_versions\": [ %s ], \"tdx_feature0\": \"0xF0FBF\" "
			"}%s\n",
			tdx_version_format(v, vs), tdx_version_format(&min, ms), ldr,
			i + 1 < n_specs ? "," : "");
	}
	fputs("  ]\n}\n", f);
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(text);
}

static int write_module_files(const char *root, const struct synth_module_spec *spec,
			      enum tdx_image_format fmt, unsigned flags)
{
	const struct tdx_version *v = &spec->version;
	_cleanup_free_ uint8_t *bin = NULL, *img = NULL;
	_cleanup_free_ char *dir = NULL, *name = NULL;
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	size_t bin_size, img_size;
	int r;

	r = synth_module_build(spec, &bin, &bin_size, sig);
	if (r < 0)
		return r;
	if (flags & SYNTH_STORE_JOINED) {
		r = tdx_image_build(fmt, sig, sizeof(sig), bin, bin_size, &img, &img_size, NULL);
		if (r < 0)
			return r;
		if (asprintf(&dir, "%s/joined_files/%u.%u", root, v->major, v->minor) < 0 ||
		    asprintf(&name, "tdx_module_%u.%u.%02u.blob", v->major, v->minor, v->update) <
			    0)
			return -ENOMEM;
		r = write_in_dir(dir, name, img, img_size);
		if (r < 0)
			return r;
		free(TAKE_PTR(dir));
		free(TAKE_PTR(name));
	}
	if (flags & SYNTH_STORE_SEPARATE) {
		if (asprintf(&dir, "%s/separate_files/%u.%u/%u.%u.%02u", root, v->major, v->minor,
			     v->major, v->minor, v->update) < 0 ||
		    asprintf(&name, "tdx_module_%u.%u.%02u.bin", v->major, v->minor, v->update) < 0)
			return -ENOMEM;
		r = write_in_dir(dir, name, bin, bin_size);
		if (r < 0)
			return r;
		free(TAKE_PTR(name));
		if (asprintf(&name, "tdx_module_%u.%u.%02u.sigstruct", v->major, v->minor,
			     v->update) < 0)
			return -ENOMEM;
		r = write_in_dir(dir, name, sig, sizeof(sig));
		if (r < 0)
			return r;
	}
	return 0;
}

int synth_store_write(const char *root, const char *mapping_json,
		      const struct synth_module_spec *specs, size_t n_specs,
		      enum tdx_image_format fmt, unsigned flags)
{
	_cleanup_free_ char *generated = NULL;
	int r;

	r = mkdir_p(root);
	if (r < 0)
		return r;
	if (!mapping_json) {
		generated = generate_mapping(specs, n_specs);
		if (!generated)
			return -ENOMEM;
		mapping_json = generated;
	}
	r = write_in_dir(root, "mapping_file.json", mapping_json, strlen(mapping_json));
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_specs; i++) {
		r = write_module_files(root, &specs[i], fmt, flags);
		if (r < 0)
			return r;
	}
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

int synth_remove_tree(const char *path)
{
	/* Depth first, not following symlinks out of the tree. */
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return negative_errno();
	return 0;
}
