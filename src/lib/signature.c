// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sigstruct signature verification with Nettle's hogweed (see signature.h
 * for the layout and meson.build for why Nettle). Our part is only the
 * layout: which bytes are the key, the signature and the message. The RSA
 * operation and the PKCS#1 v1.5 padding check are hogweed's rsa_pkcs1_verify().
 */
#include <errno.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#include "image-layout.h"
#include "parse-util.h"
#include <tdx/image.h>
#include <tdx/macro.h>
#include <tdx/signature.h>
#include <tdx/string-table.h>

/* DER DigestInfo prefix for SHA-384 (RFC 8017 §9.2 note 1); the digest follows. */
static const uint8_t sha384_digest_info_prefix[] = {
	0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
};

/* The fixed sizes of the layout; anything else is not a sigstruct the P-SEAMLDR accepts. */
static bool check_layout(const uint8_t *sig, struct tdx_signature *ret)
{
	static const struct {
		unsigned offset;
		uint32_t want;
		const char *name;
	} fields[] = {
		{SIG_OFF_SIZE, TDX_SIGSTRUCT_SIZE / 4, "size"},
		{SIG_OFF_KEY_SIZE, TDX_RSA_KEY_SIZE / 4, "key_size"},
		{SIG_OFF_MODULUS_SIZE, TDX_RSA_KEY_SIZE / 4, "modulus_size"},
		{SIG_OFF_EXPONENT_SIZE, 1, "exponent_size"},
		{SIG_OFF_EXPONENT, TDX_RSA_EXPONENT, "exponent"},
	};

	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		uint32_t v = get_le32(sig + fields[i].offset);

		if (v != fields[i].want) {
			snprintf(ret->problem, sizeof(ret->problem), "%s is 0x%x, expected 0x%x",
				 fields[i].name, v, fields[i].want);
			return false;
		}
	}
	/* A 3072-bit key has its top bit set; a shorter one is not the layout's key. */
	if (!(sig[SIG_OFF_MODULUS + TDX_RSA_KEY_SIZE - 1] & 0x80)) {
		snprintf(ret->problem, sizeof(ret->problem), "modulus is shorter than 3072 bits");
		return false;
	}
	return true;
}

void tdx_signature_digest_info(const uint8_t *sig, uint8_t out[TDX_SIGNATURE_DIGEST_INFO_SIZE])
{
	struct sha384_ctx ctx;

	memcpy(out, sha384_digest_info_prefix, sizeof(sha384_digest_info_prefix));
	sha384_init(&ctx);
	sha384_update(&ctx, SIG_SIGNED_HEADER_END, sig);
	sha384_update(&ctx, TDX_SIGSTRUCT_SIZE - SIG_SIGNED_BODY_START,
		      sig + SIG_SIGNED_BODY_START);
	sha384_digest(&ctx, SHA384_DIGEST_SIZE, out + sizeof(sha384_digest_info_prefix));
}

static bool rsa_verifies(const uint8_t *sig)
{
	uint8_t digest_info[TDX_SIGNATURE_DIGEST_INFO_SIZE];
	struct rsa_public_key pub;
	mpz_t s;
	bool ok = false;

	tdx_signature_digest_info(sig, digest_info);
	rsa_public_key_init(&pub);
	mpz_init(s);
	/* Modulus and signature are stored little-endian: order -1 imports them as such. */
	mpz_import(pub.n, TDX_RSA_KEY_SIZE, -1, 1, 0, 0, sig + SIG_OFF_MODULUS);
	mpz_set_ui(pub.e, get_le32(sig + SIG_OFF_EXPONENT));
	mpz_import(s, TDX_RSA_KEY_SIZE, -1, 1, 0, 0, sig + SIG_OFF_SIGNATURE);
	if (rsa_public_key_prepare(&pub) && pub.size == TDX_RSA_KEY_SIZE)
		ok = rsa_pkcs1_verify(&pub, sizeof(digest_info), digest_info, s) == 1;
	mpz_clear(s);
	rsa_public_key_clear(&pub);
	return ok;
}

void tdx_signature_inspect(const uint8_t *sigstruct, size_t size, struct tdx_signature *ret)
{
	struct tdx_signature s = {.status = TDX_SIGNATURE_BAD_LAYOUT};

	if (size < TDX_SIGSTRUCT_SIZE) {
		snprintf(s.problem, sizeof(s.problem), "sigstruct is %zu bytes, expected %u", size,
			 TDX_SIGSTRUCT_SIZE);
		*ret = s;
		return;
	}
	(void)tdx_sha256(sigstruct + SIG_OFF_MODULUS, TDX_RSA_KEY_SIZE, s.key_sha256);
	if (check_layout(sigstruct, &s))
		s.status = TDX_SIGNATURE_UNCHECKED;
	*ret = s;
}

void tdx_signature_verify(const uint8_t *sigstruct, size_t size, struct tdx_signature *ret)
{
	struct tdx_signature s;

	tdx_signature_inspect(sigstruct, size, &s);
	if (s.status == TDX_SIGNATURE_UNCHECKED)
		s.status = rsa_verifies(sigstruct) ? TDX_SIGNATURE_VALID : TDX_SIGNATURE_MISMATCH;
	*ret = s;
}

static const char *const tdx_signature_status_table[] = {
	[TDX_SIGNATURE_VALID] = "valid",
	[TDX_SIGNATURE_BAD_LAYOUT] = "bad-layout",
	[TDX_SIGNATURE_MISMATCH] = "mismatch",
	[TDX_SIGNATURE_UNCHECKED] = "unchecked",
};
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_signature_status, enum tdx_signature_status, );

/* Exactly 2*TDX_SHA256_SIZE hex digits. */
static int parse_fingerprint(const char *s, size_t len, uint8_t out[TDX_SHA256_SIZE])
{
	return parse_hex_exact(s, len, out, TDX_SHA256_SIZE);
}

void tdx_trusted_keys_default(struct tdx_trusted_keys *ret)
{
	struct tdx_trusted_keys t = {.n = 1};

	(void)parse_fingerprint(TDX_INTEL_PRODUCTION_KEY_SHA256,
				strlen(TDX_INTEL_PRODUCTION_KEY_SHA256), t.key_sha256[0]);
	*ret = t;
}

int tdx_trusted_keys_parse(const char *text, struct tdx_trusted_keys *ret, struct tdx_diag *diag)
{
	static const char separators[] = " \t\n,";
	struct tdx_trusted_keys t = {};

	for (const char *p = text + strspn(text, separators); *p; p += strspn(p, separators)) {
		size_t len = strcspn(p, separators);

		if (t.n == TDX_TRUSTED_KEYS_MAX)
			return tdx_diag_set(diag, -E2BIG, "more than %u trusted signing keys",
					    TDX_TRUSTED_KEYS_MAX);
		if (parse_fingerprint(p, len, t.key_sha256[t.n]) < 0)
			return tdx_diag_set(diag, -EINVAL,
					    "\"%.*s\" is not a SHA-256 key fingerprint (64 hex "
					    "digits)",
					    (int)(len > 80 ? 80 : len), p);
		t.n++;
		p += len;
	}
	if (t.n == 0)
		tdx_trusted_keys_default(&t);
	*ret = t;
	return 0;
}

bool tdx_trusted_keys_contains(const struct tdx_trusted_keys *t,
			       const uint8_t key_sha256[TDX_SHA256_SIZE])
{
	for (size_t i = 0; i < t->n && i < TDX_TRUSTED_KEYS_MAX; i++)
		if (memcmp(t->key_sha256[i], key_sha256, TDX_SHA256_SIZE) == 0)
			return true;
	return false;
}

bool tdx_signature_key_trusted(const struct tdx_signature *s, const struct tdx_trusted_keys *t)
{
	struct tdx_trusted_keys def;

	if (!t) {
		tdx_trusted_keys_default(&def);
		t = &def;
	}
	return tdx_trusted_keys_contains(t, s->key_sha256);
}

bool tdx_signature_trusted(const struct tdx_signature *s, const struct tdx_trusted_keys *t)
{
	return s->status == TDX_SIGNATURE_VALID && tdx_signature_key_trusted(s, t);
}

int tdx_signature_check(const struct tdx_signature *s, const struct tdx_trusted_keys *t,
			struct tdx_diag *diag)
{
	char key[TDX_KEY_FINGERPRINT_HEX];

	tdx_hex(s->key_sha256, TDX_SHA256_SIZE, key);
	switch (s->status) {
	case TDX_SIGNATURE_BAD_LAYOUT:
		return tdx_diag_set(diag, -EBADMSG, "signature cannot be checked: sigstruct %s",
				    s->problem);
	case TDX_SIGNATURE_MISMATCH:
		return tdx_diag_set(diag, -EBADMSG,
				    "signature does not verify (RSA-3072 PKCS#1 v1.5 SHA-384, key "
				    "%s)",
				    key);
	case TDX_SIGNATURE_UNCHECKED:
		return tdx_diag_set(diag, -EBADMSG, "signature not verified yet (key %s)", key);
	case TDX_SIGNATURE_VALID:
		break;
	}
	if (!tdx_signature_trusted(s, t))
		return tdx_diag_set(diag, -EKEYREJECTED,
				    "signing key %s is not trusted (TrustedSigningKeys)", key);
	return 0;
}
