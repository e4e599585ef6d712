/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Byte offsets of the on-disk image headers and the SEAM SIGSTRUCT (research:
 * kernel-abi.md §2.1/§2.2, tdx-module-binaries.md §1.4), shared by the parser
 * and the builders (library and tests/common/synth.c), plus little-endian
 * loads and stores at any alignment (memcpy: no alignment or aliasing traps).
 */
#include <endian.h>
#include <stdint.h>
#include <string.h>

#define TDX_IMAGE_SIGNATURE	"TDX-BLOB"
#define TDX_IMAGE_SIGNATURE_LEN 8

/* Both formats: u16 version at 0, u16 checksum at 2. */
#define IMG_OFF_VERSION	 0x00
#define IMG_OFF_CHECKSUM 0x02
/* 0x100 */
#define V1_OFF_MODULE_OFFSET 0x04
#define V1_OFF_SIGNATURE     0x08
#define V1_OFF_LENGTH	     0x10
#define V1_OFF_RESERVED0     0x14
#define V1_OFF_RESERVED1     0x18
/* 0x200 */
#define V2_OFF_SIGNATURE 0x04
#define V2_OFF_SIG_PAGES 0x0c
#define V2_OFF_MOD_PAGES 0x10
#define V2_OFF_RESERVED	 0x14

/* SEAM SIGSTRUCT, relative to its start (image offset 0x1000). */
#define SIG_OFF_HEADER_TYPE    0
#define SIG_OFF_HEADER_LENGTH  4
#define SIG_OFF_HEADER_VERSION 8
#define SIG_OFF_MODULE_TYPE    12
#define SIG_OFF_MODULE_VENDOR  16
#define SIG_OFF_DATE	       20
#define SIG_OFF_SIZE	       24
#define SIG_OFF_KEY_SIZE       28
#define SIG_OFF_MODULUS_SIZE   32
#define SIG_OFF_EXPONENT_SIZE  36
#define SIG_OFF_MODULUS	       128
#define SIG_OFF_EXPONENT       512
#define SIG_OFF_SIGNATURE      516
#define SIG_SIGNED_HEADER_END  128 /* signed: [0, 128) ... */
#define SIG_SIGNED_BODY_START  900 /* ... and [900, 2048) */
#define SIG_OFF_SEAMHASH       900
#define SIG_OFF_SEAMSVN	       948
#define SIG_OFF_CPUID_COUNT    1024
#define SIG_OFF_CPUID_TABLE    1028
#define SIG_DEBUG_BIT	       (1u << 31)
#define SIG_HEADER_TYPE	       6u
#define SIG_VENDOR_INTEL       0x8086u

static inline uint16_t get_le16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t get_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline void put_le16(void *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void put_le32(void *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}
