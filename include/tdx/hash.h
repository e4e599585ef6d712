/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TDX_SHA256_SIZE 32
#define TDX_SHA384_SIZE 48

int tdx_sha256(const void *data, size_t size, uint8_t out[TDX_SHA256_SIZE]);
int tdx_sha384(const void *data, size_t size, uint8_t out[TDX_SHA384_SIZE]);
/* Lower-case hex; out must hold 2*size+1 bytes. Returns out. */
char *tdx_hex(const uint8_t *data, size_t size, char *out);
