// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stddef.h>
#include <stdint.h>

#include <tdx/image.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdx_sigstruct_info sig;
	struct tdx_diag diag = {};

	if (tdx_sigstruct_parse(data, size, &sig, &diag) < 0)
		return 0;
	if (sig.cpuid_count > TDX_CPUID_TABLE_MAX)
		__builtin_trap();
	if (sig.debug != ((sig.module_type >> 31) & 1))
		__builtin_trap();
	/* Every listed signature matches itself with any stepping. */
	for (uint32_t i = 0; i < sig.cpuid_count; i++)
		if (!tdx_sigstruct_supports_cpu(&sig, sig.cpuid_table[i] ^ 0xf))
			__builtin_trap();
	return 0;
}
