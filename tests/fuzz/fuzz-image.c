// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/image.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A conversion there and back must reproduce the image's parse. */
static void round_trip(const struct tdx_image *img)
{
	enum tdx_image_format other =
		img->format == TDX_IMAGE_FORMAT_V1 ? TDX_IMAGE_FORMAT_V2 : TDX_IMAGE_FORMAT_V1;
	_cleanup_free_ uint8_t *conv = NULL, *back = NULL;
	size_t conv_size, back_size;
	struct tdx_image cimg, bimg;

	if (tdx_image_convert(img, other, &conv, &conv_size, NULL) < 0)
		return;
	/* The sigstruct parsed before, so the converted image must parse too. */
	if (tdx_image_parse(conv, conv_size, &cimg, NULL) < 0)
		__builtin_trap();
	if (tdx_checksum16(conv, conv_size) != 0 || cimg.module_size < img->module_size)
		__builtin_trap();
	if (tdx_image_convert(&cimg, img->format, &back, &back_size, NULL) < 0)
		__builtin_trap();
	if (tdx_image_parse(back, back_size, &bimg, NULL) < 0)
		__builtin_trap();
	if (memcmp(&bimg.sig, &img->sig, sizeof(bimg.sig)) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdx_diag diag = {};
	struct tdx_image img;

	(void)tdx_checksum16(data, size);
	if (tdx_image_parse(data, size, &img, &diag) < 0)
		return 0;
	if (img.module_offset + img.module_size > size ||
	    img.sigstruct_offset + img.sigstruct_size > size)
		__builtin_trap();
	(void)tdx_image_validate(&img, TDX_VALIDATE_ALL, NULL, &diag);
	round_trip(&img);
	return 0;
}
