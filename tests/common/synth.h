/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Synthetic TDX modules, sigstructs and module stores for tests, benchmarks
 * and the demo catalog. Modules follow kernel/tdx_sim_payload.h so the
 * simulator knows their version and hand-off minimum. The sigstruct is laid
 * out like Intel's (header_type 6, vendor 0x8086, date, SVN, seamhash =
 * SHA-384(module), cpuid table) and signed like Intel's (RSA-3072, PKCS#1
 * v1.5, SHA-384) with the test signing key of synth-sign.c, which tests give
 * to tdxctl, tdxd and the simulator as their trusted key.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/image.h>
#include <tdx/version.h>

#define SYNTH_CPU_SPR 0x806f8u /* Sapphire Rapids, what the QEMU guest reports */
#define SYNTH_CPU_EMR 0xc06f0u
#define SYNTH_CPU_GNR 0xa06d0u

struct synth_module_spec {
	struct tdx_version version;
	struct tdx_version handoff_min; /* zero: same as version's x.y.00 */
	uint32_t module_pages;		/* zero: 4 */
	bool debug;
	uint16_t seam_svn;  /* zero: ((minor & 0xff) << 8) | (update & 0xff) */
	uint32_t date;	    /* BCD; zero: 0x20250101 */
	uint32_t cpuids[8]; /* zero-terminated; empty: SYNTH_CPU_SPR */
};

/*
 * Writes the test key's modulus, exponent and sizes into a 2 KiB sigstruct and
 * signs it: after a test changes a signed field, re-signing leaves only the
 * change it wants to test. 0 or negative errno.
 */
int synth_sign_sigstruct(uint8_t sig[TDX_SIGSTRUCT_SIZE]);
/* SHA-256 of the test key's modulus as stored: what a trust list names. */
int synth_key_fingerprint(uint8_t ret[TDX_SHA256_SIZE]);
/* A trust list holding only the test key. */
int synth_trusted_keys(struct tdx_trusted_keys *ret);
/* Generates the test key into path (the build's test-signing-key target). */
int synth_key_generate(const char *path);

/* Builds the module binary (malloc'ed, module_pages * 4096 bytes) and its 2 KiB sigstruct. */
int synth_module_build(const struct synth_module_spec *spec, uint8_t **ret_bin,
		       size_t *ret_bin_size, uint8_t ret_sigstruct[TDX_SIGSTRUCT_SIZE]);

enum synth_store_flags {
	SYNTH_STORE_JOINED = 1u << 0, /* joined_files/X.Y/tdx_module_X.Y.ZZ.blob */
	SYNTH_STORE_SEPARATE =
		1u << 1, /* separate_files/X.Y/X.Y.ZZ/tdx_module_X.Y.ZZ.{bin,sigstruct} */
};

/*
 * Writes a store under root (created): the mapping file text given (copied
 * verbatim; NULL writes one entry per spec with min_td_preserving = the
 * spec's handoff_min, or x.y.01 when that is zero, and P-SEAMLDR "x.y.00",
 * "2.0.00" for 1.x and "2.0.00" for 2.x), and each spec's files in format fmt.
 */
int synth_store_write(const char *root, const char *mapping_json,
		      const struct synth_module_spec *specs, size_t n_specs,
		      enum tdx_image_format fmt, unsigned flags);

/* Removes a directory tree such as a store written above; 0 or negative errno. */
int synth_remove_tree(const char *path);
