// SPDX-License-Identifier: LGPL-2.1-or-later
/* SHA-2 through Nettle (why Nettle: meson.build). */
#include <nettle/sha2.h>

#include <tdx/hash.h>

int tdx_sha256(const void *data, size_t size, uint8_t out[TDX_SHA256_SIZE])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, size, data);
	sha256_digest(&ctx, TDX_SHA256_SIZE, out);
	return 0;
}

int tdx_sha384(const void *data, size_t size, uint8_t out[TDX_SHA384_SIZE])
{
	struct sha384_ctx ctx;

	sha384_init(&ctx);
	sha384_update(&ctx, size, data);
	sha384_digest(&ctx, TDX_SHA384_SIZE, out);
	return 0;
}

char *tdx_hex(const uint8_t *data, size_t size, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < size; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * size] = '\0';
	return out;
}
