// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fields of the SEAM SIGSTRUCT that tdxctl uses. Offsets from Intel's
 * seam_sigstruct.h (research: tdx-module-binaries.md §1.4). The signature
 * is verified here too (signature.c), so every path that reads a sigstruct
 * knows whether it is authentic; whether its key is trusted is the caller's.
 * Only store listings peek without the RSA step, and verify later the few
 * candidates that pass every other rule (policy.c).
 */
#include <errno.h>
#include <string.h>

#include <tdx/image.h>
#include "image-layout.h"

static int parse_fields(const void *data, size_t size, struct tdx_sigstruct_info *ret,
			struct tdx_diag *diag)
{
	const uint8_t *p = data;
	struct tdx_sigstruct_info sig = {};

	if (size < TDX_SIGSTRUCT_SIZE)
		return tdx_diag_set(diag, -EINVAL, "sigstruct is %zu bytes, expected %u", size,
				    TDX_SIGSTRUCT_SIZE);
	sig.cpuid_count = get_le32(p + SIG_OFF_CPUID_COUNT);
	/* The table fills the rest of the 2 KiB: 255 entries is all there is room for. */
	if (sig.cpuid_count > TDX_CPUID_TABLE_MAX)
		return tdx_diag_set(diag, -EBADMSG, "sigstruct cpuid_table_size is %u, at most %u",
				    sig.cpuid_count, TDX_CPUID_TABLE_MAX);
	sig.header_type = get_le32(p + SIG_OFF_HEADER_TYPE);
	sig.header_length = get_le32(p + SIG_OFF_HEADER_LENGTH);
	sig.header_version = get_le32(p + SIG_OFF_HEADER_VERSION);
	sig.module_type = get_le32(p + SIG_OFF_MODULE_TYPE);
	sig.debug = (sig.module_type & SIG_DEBUG_BIT) != 0;
	sig.module_vendor = get_le32(p + SIG_OFF_MODULE_VENDOR);
	sig.date = get_le32(p + SIG_OFF_DATE);
	sig.seam_svn = get_le16(p + SIG_OFF_SEAMSVN);
	memcpy(sig.seamhash, p + SIG_OFF_SEAMHASH, TDX_SEAMHASH_SIZE);
	for (uint32_t i = 0; i < sig.cpuid_count; i++)
		sig.cpuid_table[i] = get_le32(p + SIG_OFF_CPUID_TABLE + 4 * i);
	tdx_signature_inspect(p, size, &sig.signature);
	*ret = sig;
	return 0;
}

int tdx_sigstruct_peek(const void *data, size_t size, struct tdx_sigstruct_info *ret,
		       struct tdx_diag *diag)
{
	return parse_fields(data, size, ret, diag);
}

int tdx_sigstruct_parse(const void *data, size_t size, struct tdx_sigstruct_info *ret,
			struct tdx_diag *diag)
{
	struct tdx_sigstruct_info sig;
	int r = parse_fields(data, size, &sig, diag);

	if (r < 0)
		return r;
	tdx_signature_verify(data, size, &sig.signature);
	*ret = sig;
	return 0;
}

bool tdx_cpuid_table_supports(const uint32_t *table, uint32_t count, uint32_t cpu_signature)
{
	if (count > TDX_CPUID_TABLE_MAX)
		count = TDX_CPUID_TABLE_MAX;
	for (uint32_t i = 0; i < count; i++)
		if ((table[i] & TDX_CPU_SIGNATURE_MASK) == (cpu_signature & TDX_CPU_SIGNATURE_MASK))
			return true;
	return false;
}

bool tdx_sigstruct_supports_cpu(const struct tdx_sigstruct_info *sig, uint32_t cpu_signature)
{
	return tdx_cpuid_table_supports(sig->cpuid_table, sig->cpuid_count, cpu_signature);
}

void tdx_sigstruct_summarize(const struct tdx_sigstruct_info *sig,
			     struct tdx_sigstruct_summary *ret)
{
	*ret = (struct tdx_sigstruct_summary){
		.debug = sig->debug,
		.date = sig->date,
		.seam_svn = sig->seam_svn,
		.cpuid_count = sig->cpuid_count < TDX_CPUID_TABLE_MAX ? sig->cpuid_count
								      : TDX_CPUID_TABLE_MAX,
		.cpuid_table = sig->cpuid_table,
		.signature = sig->signature,
	};
	memcpy(ret->seamhash, sig->seamhash, sizeof(ret->seamhash));
}
