/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `tdxctl blob info|join|convert`: inspect and build module images, byte-exact.
 * join and convert write only an image that passes every check, its signature
 * by a trusted key included, so what they produce is what an update accepts.
 */
#include <errno.h>
#include <string.h>

#include <tdx/hash.h>
#include "log.h"
#include "render.h"
#include "verbs.h"

#define SIGSTRUCT_FILE_MAX (TDX_V1_MAX_SIGSTRUCT_PAGES * TDX_PAGE_SIZE)
#define MODULE_FILE_MAX	   (TDX_MAX_MODULE_PAGES * TDX_PAGE_SIZE)

/* Reads a file, printing "path: reason" on failure. */
static int read_file(const char *path, size_t max, uint8_t **ret_data, size_t *ret_size)
{
	struct tdx_diag diag = {};
	int r;

	r = tdx_file_read_all(path, max, ret_data, ret_size, &diag);
	if (r < 0)
		return log_error_at(r, path, &diag);
	return 0;
}

static int read_image(const char *path, uint8_t **ret_data, size_t *ret_size,
		      struct tdx_image *ret_img)
{
	_cleanup_free_ uint8_t *data = NULL;
	struct tdx_diag diag = {};
	size_t size;
	int r;

	r = read_file(path, TDX_IMAGE_MAX_SIZE, &data, &size);
	if (r < 0)
		return r;
	r = tdx_image_parse(data, size, ret_img, &diag);
	if (r < 0)
		return log_error_at(r, path, &diag);
	*ret_data = TAKE_PTR(data);
	*ret_size = size;
	return 0;
}

static int write_image(const struct tdxctl_options *o, const char *path, const uint8_t *data,
		       size_t size)
{
	struct tdx_diag diag = {};
	struct tdx_image img;
	int r;

	r = tdx_image_parse(data, size, &img, &diag);
	if (r >= 0)
		r = tdx_image_validate(&img, TDX_VALIDATE_ALL, &o->trusted_keys, &diag);
	if (r < 0)
		return log_error(r, "%s: not written: %s", path, diag.msg);
	r = tdx_file_write_atomic(path, data, size, 0644);
	if (r < 0)
		return log_error(r, "%s: cannot write: %s", path, strerror(-r));
	log_info("Wrote %s (%zu bytes, format %s).", path, size,
		 tdx_image_format_to_string(o->format));
	return 0;
}

static bool seamhash_matches(const struct tdx_image *img)
{
	uint8_t hash[TDX_SHA384_SIZE];

	if (tdx_sha384(img->data + img->module_offset, img->module_size, hash) < 0)
		return false;
	return memcmp(hash, img->sig.seamhash, TDX_SHA384_SIZE) == 0;
}

static int blob_info(const struct tdxctl_options *o, const char *path)
{
	_cleanup_free_ uint8_t *data = NULL;
	struct tdx_diag diag = {};
	struct tdx_image img;
	size_t size;
	int r;

	r = read_image(path, &data, &size, &img);
	if (r < 0)
		return r;
	r = render_image(&(struct render_ctx){.out = stdout, .err = stderr, .json = o->json}, &img,
			 path, seamhash_matches(&img),
			 tdx_signature_trusted(&img.sig.signature, &o->trusted_keys));
	if (r < 0)
		return r;
	/* Shown first, then judged: a corrupt image still prints what it claims. */
	r = tdx_image_validate(&img, TDX_VALIDATE_ALL, &o->trusted_keys, &diag);
	if (r < 0)
		return log_error_at(r, path, &diag);
	return 0;
}

static int blob_join(const struct tdxctl_options *o, const char *bin_path, const char *sig_path,
		     const char *out)
{
	_cleanup_free_ uint8_t *bin = NULL, *sig = NULL, *image = NULL;
	size_t bin_size, sig_size, image_size;
	struct tdx_diag diag = {};
	int r;

	r = read_file(bin_path, MODULE_FILE_MAX, &bin, &bin_size);
	if (r < 0)
		return r;
	r = read_file(sig_path, SIGSTRUCT_FILE_MAX, &sig, &sig_size);
	if (r < 0)
		return r;
	r = tdx_image_build(o->format, sig, sig_size, bin, bin_size, &image, &image_size, &diag);
	if (r < 0)
		return log_error(r, "%s + %s: %s", bin_path, sig_path, diag.msg);
	return write_image(o, out, image, image_size);
}

static int blob_convert(const struct tdxctl_options *o, const char *in, const char *out)
{
	_cleanup_free_ uint8_t *data = NULL, *image = NULL;
	size_t size, image_size;
	struct tdx_diag diag = {};
	struct tdx_image img;
	int r;

	r = read_image(in, &data, &size, &img);
	if (r < 0)
		return r;
	r = tdx_image_convert(&img, o->format, &image, &image_size, &diag);
	if (r < 0)
		return log_error_at(r, in, &diag);
	return write_image(o, out, image, image_size);
}

int verb_blob(const struct tdxctl_options *o, int argc, char **argv)
{
	const char *sub = argv[1];

	if (strcmp(sub, "info") == 0) {
		if (argc != 3)
			return cli_usage_error("blob info: expected one FILE");
		return blob_info(o, argv[2]);
	}
	if (strcmp(sub, "join") != 0 && strcmp(sub, "convert") != 0)
		return cli_usage_error("blob: unknown command \"%s\" (info, join, convert)", sub);
	if (o->format == TDX_IMAGE_FORMAT_INVALID)
		return cli_usage_error("blob %s: --format=0x100 or --format=0x200 is required",
				       sub);
	if (strcmp(sub, "join") == 0) {
		if (argc != 5)
			return cli_usage_error("blob join: expected BIN SIGSTRUCT OUT");
		return blob_join(o, argv[2], argv[3], argv[4]);
	}
	if (argc != 4)
		return cli_usage_error("blob convert: expected IN OUT");
	return blob_convert(o, argv[2], argv[3]);
}
