// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The test signing key and the signer for synthetic sigstructs (synth.h).
 *
 * The key is an RSA-3072 key generated with Nettle from a fixed seed, so every
 * process of a build gets the same key (and fingerprint) without a private key
 * in the repository. Generation takes about a second, so the first use (or
 * the build's test-signing-key target) caches it as a Nettle S-expression in
 * SYNTH_KEY_PATH (or $TDX_TEST_SIGNING_KEY); later uses read it. It is a
 * throwaway key: anyone can regenerate it, so nothing real may ever trust it.
 */
#include <errno.h>
#include <nettle/buffer.h>
#include <nettle/knuth-lfib.h>
#include <nettle/rsa.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/image.h>
#include <tdx/macro.h>
#include "src/lib/image-layout.h"
#include "synth.h"

#define SYNTH_KEY_SEED 0x7d5cu

struct test_key {
	bool loaded;
	struct rsa_public_key pub;
	struct rsa_private_key priv;
};

static struct test_key test_key;

static const char *key_path(void)
{
	const char *e = secure_getenv("TDX_TEST_SIGNING_KEY");

	return e && *e ? e : SYNTH_KEY_PATH;
}

static int generate(struct test_key *k)
{
	struct knuth_lfib_ctx rnd;

	/* knuth_lfib is not a CSPRNG: fine, and wanted, for a reproducible test key. */
	knuth_lfib_init(&rnd, SYNTH_KEY_SEED);
	mpz_set_ui(k->pub.e, TDX_RSA_EXPONENT);
	if (!rsa_generate_keypair(&k->pub, &k->priv, &rnd, (nettle_random_func *)knuth_lfib_random,
				  NULL, NULL, 8 * TDX_RSA_KEY_SIZE, 0))
		return -EIO;
	return 0;
}

static int save(const struct test_key *k, const char *path)
{
	struct nettle_buffer buf;
	int r = -ENOMEM;

	nettle_buffer_init(&buf);
	if (rsa_keypair_to_sexp(&buf, NULL, &k->pub, &k->priv))
		r = tdx_file_write_atomic(path, buf.contents, buf.size, 0600);
	nettle_buffer_clear(&buf);
	return r;
}

static int load(struct test_key *k, const char *path)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;
	int r;

	r = tdx_file_read_all(path, 64 * 1024, &data, &size, NULL);
	if (r < 0)
		return r;
	if (!rsa_keypair_from_sexp(&k->pub, &k->priv, 0, size, data) ||
	    k->pub.size != TDX_RSA_KEY_SIZE)
		return -EBADMSG;
	return 0;
}

static int key_get(struct test_key **ret)
{
	struct test_key *k = &test_key;
	int r;

	if (!k->loaded) {
		rsa_public_key_init(&k->pub);
		rsa_private_key_init(&k->priv);
		if (load(k, key_path()) < 0) {
			r = generate(k);
			if (r < 0)
				return r;
			(void)save(k, key_path()); /* a cache: read-only trees regenerate */
		}
		k->loaded = true;
	}
	*ret = k;
	return 0;
}

int synth_key_generate(const char *path)
{
	struct test_key k = {};
	int r;

	rsa_public_key_init(&k.pub);
	rsa_private_key_init(&k.priv);
	r = generate(&k);
	if (r >= 0)
		r = save(&k, path);
	rsa_public_key_clear(&k.pub);
	rsa_private_key_clear(&k.priv);
	return r;
}

/* mpz to a fixed-size little-endian field, as the sigstruct stores its numbers. */
static void export_le(uint8_t *out, size_t size, const mpz_t v)
{
	size_t count = 0;

	memset(out, 0, size);
	if (mpz_sizeinbase(v, 256) <= size)
		mpz_export(out, &count, -1, 1, 0, 0, v);
}

int synth_sign_sigstruct(uint8_t sig[TDX_SIGSTRUCT_SIZE])
{
	uint8_t digest_info[TDX_SIGNATURE_DIGEST_INFO_SIZE];
	struct test_key *k;
	mpz_t s;
	int r;

	r = key_get(&k);
	if (r < 0)
		return r;
	put_le32(sig + SIG_OFF_SIZE, TDX_SIGSTRUCT_SIZE / 4);
	put_le32(sig + SIG_OFF_KEY_SIZE, TDX_RSA_KEY_SIZE / 4);
	put_le32(sig + SIG_OFF_MODULUS_SIZE, TDX_RSA_KEY_SIZE / 4);
	put_le32(sig + SIG_OFF_EXPONENT_SIZE, 1);
	put_le32(sig + SIG_OFF_EXPONENT, TDX_RSA_EXPONENT);
	export_le(sig + SIG_OFF_MODULUS, TDX_RSA_KEY_SIZE, k->pub.n);
	tdx_signature_digest_info(sig, digest_info);
	mpz_init(s);
	r = rsa_pkcs1_sign(&k->priv, sizeof(digest_info), digest_info, s) ? 0 : -EIO;
	if (r == 0)
		export_le(sig + SIG_OFF_SIGNATURE, TDX_RSA_KEY_SIZE, s);
	mpz_clear(s);
	return r;
}

int synth_key_fingerprint(uint8_t ret[TDX_SHA256_SIZE])
{
	uint8_t modulus[TDX_RSA_KEY_SIZE];
	struct test_key *k;
	int r;

	r = key_get(&k);
	if (r < 0)
		return r;
	export_le(modulus, sizeof(modulus), k->pub.n);
	return tdx_sha256(modulus, sizeof(modulus), ret);
}

int synth_trusted_keys(struct tdx_trusted_keys *ret)
{
	struct tdx_trusted_keys t = {.n = 1};
	int r;

	r = synth_key_fingerprint(t.key_sha256[0]);
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}
