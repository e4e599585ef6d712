// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The signature check and the trust list parser: a 2 KiB input is a
 * sigstruct to verify, any input is also a TrustedSigningKeys= value.
 */
#include <stdlib.h>
#include <string.h>

#include <tdx/signature.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_verify(const uint8_t *data, size_t size)
{
	struct tdx_trusted_keys own = {.n = 1};
	struct tdx_signature s;

	tdx_signature_verify(data, size, &s);
	if (s.status != TDX_SIGNATURE_VALID && tdx_signature_check(&s, NULL, NULL) == 0)
		__builtin_trap();
	if (s.status == TDX_SIGNATURE_BAD_LAYOUT && !s.problem[0])
		__builtin_trap();
	/* A valid signature is trusted exactly when its own key is on the list. */
	memcpy(own.key_sha256[0], s.key_sha256, sizeof(s.key_sha256));
	if ((s.status == TDX_SIGNATURE_VALID) != tdx_signature_trusted(&s, &own))
		__builtin_trap();
}

static void fuzz_trust_list(const uint8_t *data, size_t size)
{
	struct tdx_trusted_keys t;
	struct tdx_diag diag = {};
	char *text = malloc(size + 1);

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (tdx_trusted_keys_parse(text, &t, &diag) == 0 &&
	    (t.n == 0 || t.n > TDX_TRUSTED_KEYS_MAX))
		__builtin_trap();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verify(data, size);
	fuzz_trust_list(data, size);
	return 0;
}
