/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The RSA-3072 signature of the SEAM SIGSTRUCT, checked the way the
 * P-SEAMLDR checks it during SEAMLDR.INSTALL. The kernel runs that step after
 * TDH.SYS.SHUTDOWN, so an image the P-SEAMLDR rejects for its signature kills
 * every TD; checking it here turns that into a refusal before any write.
 *
 * Layout (verified on Intel's eleven published sigstructs, tests/data/README):
 * size 0x200 dwords at 24, key/modulus sizes 0x60 dwords at 28/32, exponent
 * size 1 at 36; modulus at 128 (384 bytes, little-endian), exponent at 512
 * (u32 0x10001), signature at 516 (384 bytes, little-endian). Signed message:
 * bytes [0, 128) then [900, 2048); PKCS#1 v1.5 with SHA-384.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/hash.h>

#define TDX_RSA_KEY_SIZE	384u /* bytes: RSA-3072 */
#define TDX_RSA_EXPONENT	0x10001u
#define TDX_TRUSTED_KEYS_MAX	16u
#define TDX_KEY_FINGERPRINT_HEX (2 * TDX_SHA256_SIZE + 1)
/* SHA-256 of the modulus bytes as stored, of the key that signed all eleven published modules. */
#define TDX_INTEL_PRODUCTION_KEY_SHA256 \
	"c821f41f83e0dc73e272852ffc176bcd9ae1e93a4fccec88772c9b4ff2eaa75f"

enum tdx_signature_status {
	TDX_SIGNATURE_VALID = 0,  /* verifies with the key in the sigstruct */
	TDX_SIGNATURE_BAD_LAYOUT, /* sizes or exponent are not those of the layout */
	TDX_SIGNATURE_MISMATCH,	  /* does not verify */
	TDX_SIGNATURE_UNCHECKED,  /* layout fine and key fingerprinted; RSA not run yet */
};

struct tdx_signature {
	enum tdx_signature_status status;
	uint8_t key_sha256[TDX_SHA256_SIZE]; /* of the 384 modulus bytes as stored */
	char problem[96];		     /* BAD_LAYOUT: which field, e.g. "exponent is 0x3" */
};

/* Fingerprints of the keys an image may be signed with. */
struct tdx_trusted_keys {
	size_t n;
	uint8_t key_sha256[TDX_TRUSTED_KEYS_MAX][TDX_SHA256_SIZE];
};

/* DER DigestInfo of SHA-384 (19 bytes) and the digest: what the RSA signature signs. */
#define TDX_SIGNATURE_DIGEST_INFO_SIZE (19 + TDX_SHA384_SIZE)
/* Of the signed bytes [0, 128) and [900, 2048) of a 2 KiB sigstruct (also for test signers). */
void tdx_signature_digest_info(const uint8_t *sigstruct,
			       uint8_t out[TDX_SIGNATURE_DIGEST_INFO_SIZE]);

/*
 * Checks the layout, fingerprints the key and verifies the signature of a
 * 2 KiB sigstruct (size must be at least TDX_SIGSTRUCT_SIZE). Never fails:
 * the verdict is in ret. Uses Nettle; no cryptography of our own.
 */
void tdx_signature_verify(const uint8_t *sigstruct, size_t size, struct tdx_signature *ret);
/*
 * The cheap half of tdx_signature_verify(): layout and key fingerprint, no
 * RSA (about 1 us against 50). The status is BAD_LAYOUT or UNCHECKED; an
 * UNCHECKED signature is never trusted. For store listings, which verify only
 * the candidates that pass every other rule.
 */
void tdx_signature_inspect(const uint8_t *sigstruct, size_t size, struct tdx_signature *ret);
const char *tdx_signature_status_to_string(enum tdx_signature_status s); /* "valid", ... */

/* The default list: Intel's production key only. */
void tdx_trusted_keys_default(struct tdx_trusted_keys *ret);
/*
 * Parses fingerprints (64 hex digits each) separated by white space or
 * commas. An empty or blank text gives the default list. -EINVAL/-E2BIG with
 * diag for a malformed entry or more than TDX_TRUSTED_KEYS_MAX.
 */
int tdx_trusted_keys_parse(const char *text, struct tdx_trusted_keys *ret, struct tdx_diag *diag);
bool tdx_trusted_keys_contains(const struct tdx_trusted_keys *t,
			       const uint8_t key_sha256[TDX_SHA256_SIZE]);

/* The key is on the list (NULL: the default list), whether or not the signature verifies. */
bool tdx_signature_key_trusted(const struct tdx_signature *s, const struct tdx_trusted_keys *t);
/* Valid and signed by a key on the list (NULL: the default list). */
bool tdx_signature_trusted(const struct tdx_signature *s, const struct tdx_trusted_keys *t);
/*
 * 0 when trusted; -EBADMSG for a bad layout or a signature that does not
 * verify, -EKEYREJECTED for a valid signature by a key not on the list; diag
 * names the reason and the key.
 */
int tdx_signature_check(const struct tdx_signature *s, const struct tdx_trusted_keys *t,
			struct tdx_diag *diag);
