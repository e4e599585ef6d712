/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Environment variable that overrides the CPU signature (tests, offline planning). */
#define TDX_CPU_SIGNATURE_ENV "TDXCTL_CPU_SIGNATURE"

/*
 * CPUID.1.EAX of this CPU through libcpuid (family, model, stepping). An
 * override in $TDXCTL_CPU_SIGNATURE (hex or decimal) wins. -ENOTSUP when the
 * CPU gives no signature, -EINVAL for a bad override.
 */
int tdx_cpu_signature(uint32_t *ret);
/* Parses "0x806f8" or "526072"; -EINVAL for junk, overflow, empty. */
int tdx_cpu_signature_parse(const char *s, uint32_t *ret);
/* Human name of known TDX platforms ("Sapphire Rapids"), or NULL. Stepping ignored. */
const char *tdx_cpu_platform_name(uint32_t signature);
