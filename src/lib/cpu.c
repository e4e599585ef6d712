// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The CPU signature (CPUID.1.EAX) that sigstruct cpuid tables list. The
 * override exists for tests and for planning on behalf of another host; it
 * is read with secure_getenv() so a setuid caller cannot be steered by it.
 */
#include <errno.h>
#include <libcpuid.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/cpu.h>
#include <tdx/image.h>

static int digit_value(char c, unsigned base)
{
	unsigned v;

	if (c >= '0' && c <= '9')
		v = (unsigned)(c - '0');
	else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		v = (unsigned)((c | 0x20) - 'a' + 10);
	else
		return -1;
	return v < base ? (int)v : -1;
}

int tdx_cpu_signature_parse(const char *s, uint32_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoul would take signs, spaces and an empty string; we take digits only. */
	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		int d = digit_value(*s, base);

		if (d < 0)
			return -EINVAL;
		v = v * base + (unsigned)d;
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*ret = (uint32_t)v;
	return 0;
}

int tdx_cpu_signature(uint32_t *ret)
{
	struct cpu_raw_data_t raw;
	const char *env = secure_getenv(TDX_CPU_SIGNATURE_ENV);

	if (env)
		return tdx_cpu_signature_parse(env, ret);
	if (!cpuid_present())
		return -ENOTSUP;
	if (cpuid_get_raw_data(&raw) < 0)
		return -ENOTSUP;
	/* Leaf 1 EAX: stepping, model, family, type, extended model and family. */
	if (raw.basic_cpuid[1][0] == 0)
		return -ENOTSUP;
	*ret = raw.basic_cpuid[1][0];
	return 0;
}

const char *tdx_cpu_platform_name(uint32_t signature)
{
	static const struct {
		uint32_t signature;
		const char *name;
	} platforms[] = {
		{0x806f0, "Sapphire Rapids"},  {0xc06f0, "Emerald Rapids"},
		{0xa06f0, "Sierra Forest"},    {0xa06d0, "Granite Rapids"},
		{0xa06e0, "Granite Rapids-D"},
	};

	for (size_t i = 0; i < ELEMENTSOF(platforms); i++)
		if ((signature & TDX_CPU_SIGNATURE_MASK) == platforms[i].signature)
			return platforms[i].name;
	return NULL;
}
