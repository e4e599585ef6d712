// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <openssl/evp.h>

#include "hash.h"

static int digest(const EVP_MD *md, const void *data, size_t size, uint8_t *out, unsigned want)
{
	unsigned len = 0;

	if (!md || EVP_Digest(data, size, out, &len, md, NULL) != 1 || len != want)
		return -EIO;
	return 0;
}

int tdx_sha256(const void *data, size_t size, uint8_t out[TDX_SHA256_SIZE])
{
	return digest(EVP_sha256(), data, size, out, TDX_SHA256_SIZE);
}

int tdx_sha384(const void *data, size_t size, uint8_t out[TDX_SHA384_SIZE])
{
	return digest(EVP_sha384(), data, size, out, TDX_SHA384_SIZE);
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
