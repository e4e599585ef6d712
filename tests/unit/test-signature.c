// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The sigstruct signature: Intel's published sigstructs verify and carry the
 * production key (tests/data/README.md), every single-byte change of them is
 * caught, layout variants are refused, a valid signature by another key is
 * untrusted, and the trust list parser is strict.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/hash.h>
#include <tdx/image.h>
#include <tdx/signature.h>
#include "src/lib/image-layout.h"
#include "synth.h"

static const char *const vectors[] = {
	TEST_DATA_DIR "/intel-sigstructs/tdx_module_1.5.16.sigstruct",
	TEST_DATA_DIR "/intel-sigstructs/tdx_module_2.0.08.sigstruct",
};

static void load_vector(const char *path, uint8_t sig[TDX_SIGSTRUCT_SIZE])
{
	uint8_t *data;
	size_t size;

	assert_int_equal(tdx_file_read_all(path, 4096, &data, &size, NULL), 0);
	assert_int_equal(size, TDX_SIGSTRUCT_SIZE);
	memcpy(sig, data, size);
	free(data);
}

static void verify(const uint8_t *sig, struct tdx_signature *ret)
{
	tdx_signature_verify(sig, TDX_SIGSTRUCT_SIZE, ret);
}

static void test_intel_vectors_verify(void **state)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t sig[TDX_SIGSTRUCT_SIZE];
		char key[TDX_KEY_FINGERPRINT_HEX];
		struct tdx_sigstruct_info info;
		struct tdx_diag diag = {};

		load_vector(vectors[i], sig);
		assert_int_equal(tdx_sigstruct_parse(sig, sizeof(sig), &info, NULL), 0);
		assert_int_equal(info.signature.status, TDX_SIGNATURE_VALID);
		assert_string_equal(tdx_hex(info.signature.key_sha256, TDX_SHA256_SIZE, key),
				    TDX_INTEL_PRODUCTION_KEY_SHA256);
		assert_true(tdx_signature_trusted(&info.signature, NULL));
		assert_int_equal(tdx_signature_check(&info.signature, NULL, &diag), 0);
	}
}

/* The size fields are in the signed header: a flip there is a layout error first. */
static bool is_layout_field(size_t off)
{
	return (off >= SIG_OFF_SIZE && off < SIG_OFF_EXPONENT_SIZE + 4) ||
	       (off >= SIG_OFF_EXPONENT && off < SIG_OFF_EXPONENT + 4) ||
	       off == SIG_OFF_MODULUS + TDX_RSA_KEY_SIZE - 1;
}

/* Every byte of the 2 KiB is signed, or is the key, or is the signature. */
static void test_every_byte_flip_fails(void **state)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t sig[TDX_SIGSTRUCT_SIZE];

		load_vector(vectors[i], sig);
		for (size_t off = 0; off < TDX_SIGSTRUCT_SIZE; off++) {
			struct tdx_signature s;

			sig[off] ^= 0x01;
			verify(sig, &s);
			if (tdx_signature_check(&s, NULL, NULL) == 0)
				fail_msg("%s: flip at %zu still verifies", vectors[i], off);
			/* The top modulus bit is tested by flipping 0x80 below. */
			if (is_layout_field(off) && off != SIG_OFF_MODULUS + TDX_RSA_KEY_SIZE - 1)
				assert_int_equal(s.status, TDX_SIGNATURE_BAD_LAYOUT);
			else
				assert_int_equal(s.status, TDX_SIGNATURE_MISMATCH);
			sig[off] ^= 0x01;
		}
	}
}

static void expect_layout(uint8_t *sig, const char *problem)
{
	struct tdx_signature s;
	struct tdx_diag diag = {};

	verify(sig, &s);
	assert_int_equal(s.status, TDX_SIGNATURE_BAD_LAYOUT);
	assert_non_null(strstr(s.problem, problem));
	assert_int_equal(tdx_signature_check(&s, NULL, &diag), -EBADMSG);
	assert_non_null(strstr(diag.msg, problem));
}

static void test_layout_variants(void **state)
{
	static const struct {
		unsigned offset;
		uint32_t value;
		const char *problem;
	} cases[] = {
		{SIG_OFF_EXPONENT, 3, "exponent is 0x3, expected 0x10001"},
		{SIG_OFF_KEY_SIZE, 0x40, "key_size is 0x40"},
		{SIG_OFF_MODULUS_SIZE, 0x80, "modulus_size is 0x80"},
		{SIG_OFF_EXPONENT_SIZE, 2, "exponent_size is 0x2"},
		{SIG_OFF_SIZE, 0x100, "size is 0x100"},
	};
	uint8_t orig[TDX_SIGSTRUCT_SIZE], sig[TDX_SIGSTRUCT_SIZE];
	struct tdx_signature s;

	load_vector(vectors[1], orig);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(sig, orig, sizeof(sig));
		put_le32(sig + cases[i].offset, cases[i].value);
		expect_layout(sig, cases[i].problem);
	}
	/* A 3071-bit modulus is not an RSA-3072 key. */
	memcpy(sig, orig, sizeof(sig));
	sig[SIG_OFF_MODULUS + TDX_RSA_KEY_SIZE - 1] &= 0x7f;
	expect_layout(sig, "shorter than 3072 bits");
	/* Too short to hold a signature at all. */
	tdx_signature_verify(orig, TDX_SIGSTRUCT_SIZE - 1, &s);
	assert_int_equal(s.status, TDX_SIGNATURE_BAD_LAYOUT);
	/* All zero: no key. */
	memset(sig, 0, sizeof(sig));
	expect_layout(sig, "size is 0x0");
}

/* A signature that verifies, by a key nobody trusts, is refused as untrusted. */
static void test_other_key_untrusted(void **state)
{
	const struct synth_module_spec spec = {.version = {1, 5, 8}};
	struct tdx_trusted_keys test_keys;
	uint8_t sig[TDX_SIGSTRUCT_SIZE], intel[TDX_SIGSTRUCT_SIZE];
	struct tdx_diag diag = {};
	struct tdx_signature s;
	uint8_t *bin;
	size_t size;

	assert_int_equal(synth_trusted_keys(&test_keys), 0);
	assert_int_equal(synth_module_build(&spec, &bin, &size, sig), 0);
	free(bin);
	verify(sig, &s);
	assert_int_equal(s.status, TDX_SIGNATURE_VALID);
	assert_false(tdx_signature_trusted(&s, NULL));
	assert_int_equal(tdx_signature_check(&s, NULL, &diag), -EKEYREJECTED);
	assert_non_null(strstr(diag.msg, "is not trusted"));
	assert_int_equal(tdx_signature_check(&s, &test_keys, NULL), 0);

	/* And the other way round: Intel's signature when only the test key is trusted. */
	load_vector(vectors[0], intel);
	verify(intel, &s);
	assert_int_equal(tdx_signature_check(&s, &test_keys, NULL), -EKEYREJECTED);

	/* Intel's key and signature pasted onto a test sigstruct: no longer verifies. */
	memcpy(sig + SIG_OFF_MODULUS, intel + SIG_OFF_MODULUS,
	       SIG_SIGNED_BODY_START - SIG_OFF_MODULUS);
	verify(sig, &s);
	assert_int_equal(s.status, TDX_SIGNATURE_MISMATCH);
	assert_int_equal(tdx_signature_check(&s, NULL, &diag), -EBADMSG);
	assert_non_null(strstr(diag.msg, "does not verify"));
}

/* Re-signing after a change of a signed field makes it verify again: the signer is honest. */
static void test_resign(void **state)
{
	const struct synth_module_spec spec = {.version = {2, 0, 1}, .debug = true};
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	struct tdx_signature s;
	uint8_t *bin;
	size_t size;

	assert_int_equal(synth_module_build(&spec, &bin, &size, sig), 0);
	free(bin);
	sig[SIG_OFF_SEAMSVN] ^= 1;
	verify(sig, &s);
	assert_int_equal(s.status, TDX_SIGNATURE_MISMATCH);
	assert_int_equal(synth_sign_sigstruct(sig), 0);
	verify(sig, &s);
	assert_int_equal(s.status, TDX_SIGNATURE_VALID);
}

static void test_trusted_keys_parse(void **state)
{
	const char *a = TDX_INTEL_PRODUCTION_KEY_SHA256;
	const char *b = "4262362CC1B9371C40FE0E1D83DBDD6B73B0BBAC2941769F8B79F5490B74A2E7";
	struct tdx_trusted_keys t, def;
	struct tdx_diag diag = {};
	char text[512];
	uint8_t fp[TDX_SHA256_SIZE];

	tdx_trusted_keys_default(&def);
	assert_int_equal(def.n, 1);
	assert_int_equal(tdx_trusted_keys_parse("", &t, NULL), 0);
	assert_memory_equal(&t, &def, sizeof(t));
	assert_int_equal(tdx_trusted_keys_parse(" \t, ", &t, NULL), 0);
	assert_int_equal(t.n, 1);
	snprintf(text, sizeof(text), "%s, %s", b, a);
	assert_int_equal(tdx_trusted_keys_parse(text, &t, NULL), 0);
	assert_int_equal(t.n, 2);
	assert_true(tdx_trusted_keys_contains(&t, def.key_sha256[0]));
	assert_int_equal(t.key_sha256[0][0], 0x42);
	/* Only b: Intel's key is no longer trusted (the list replaces the default). */
	assert_int_equal(tdx_trusted_keys_parse(b, &t, NULL), 0);
	assert_false(tdx_trusted_keys_contains(&t, def.key_sha256[0]));

	assert_int_equal(tdx_trusted_keys_parse("c821f41f", &t, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "\"c821f41f\" is not a SHA-256 key fingerprint"));
	snprintf(text, sizeof(text), "%.63sg", a);
	assert_int_equal(tdx_trusted_keys_parse(text, &t, NULL), -EINVAL);
	snprintf(text, sizeof(text), "%sa", a);
	assert_int_equal(tdx_trusted_keys_parse(text, &t, NULL), -EINVAL);
	memset(fp, 0, sizeof(fp));
	assert_false(tdx_trusted_keys_contains(&def, fp));
}

static void test_too_many_keys(void **state)
{
	const char *a = TDX_INTEL_PRODUCTION_KEY_SHA256;
	char text[(TDX_TRUSTED_KEYS_MAX + 1) * 65 + 1] = "";
	struct tdx_trusted_keys t;
	struct tdx_diag diag = {};

	for (unsigned i = 0; i < TDX_TRUSTED_KEYS_MAX; i++)
		strcat(strcat(text, a), " ");
	assert_int_equal(tdx_trusted_keys_parse(text, &t, NULL), 0);
	assert_int_equal(t.n, TDX_TRUSTED_KEYS_MAX);
	strcat(text, a);
	assert_int_equal(tdx_trusted_keys_parse(text, &t, &diag), -E2BIG);
	assert_non_null(strstr(diag.msg, "more than 16"));
}

/* A sigstruct of one version joined with another version's module: the seamhash catches it. */
static void test_cross_version_join(void **state)
{
	const struct synth_module_spec s1 = {.version = {1, 5, 6}}, s2 = {.version = {1, 5, 7}};
	uint8_t sig1[TDX_SIGSTRUCT_SIZE], sig2[TDX_SIGSTRUCT_SIZE];
	struct tdx_trusted_keys test_keys;
	uint8_t *bin1, *bin2, *img;
	size_t size1, size2, img_size;
	struct tdx_diag diag = {};
	struct tdx_image image;

	assert_int_equal(synth_trusted_keys(&test_keys), 0);
	assert_int_equal(synth_module_build(&s1, &bin1, &size1, sig1), 0);
	assert_int_equal(synth_module_build(&s2, &bin2, &size2, sig2), 0);
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V2, sig1, sizeof(sig1), bin2, size2, &img,
					 &img_size, NULL),
			 0);
	assert_int_equal(tdx_image_parse(img, img_size, &image, NULL), 0);
	assert_int_equal(image.sig.signature.status, TDX_SIGNATURE_VALID);
	assert_int_equal(tdx_image_validate(&image, TDX_VALIDATE_ALL, &test_keys, &diag), -EBADMSG);
	assert_non_null(strstr(diag.msg, "seamhash"));
	free(bin1);
	free(bin2);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_vectors_verify),
		cmocka_unit_test(test_every_byte_flip_fails),
		cmocka_unit_test(test_layout_variants),
		cmocka_unit_test(test_other_key_untrusted),
		cmocka_unit_test(test_resign),
		cmocka_unit_test(test_trusted_keys_parse),
		cmocka_unit_test(test_too_many_keys),
		cmocka_unit_test(test_cross_version_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
