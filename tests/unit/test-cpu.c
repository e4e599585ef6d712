// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/cpu.h>

static const struct {
	const char *text;
	int ret;
	uint32_t value;
} parse_cases[] = {
	{"0x806f8", 0, 0x806f8},
	{"0X806F8", 0, 0x806f8},
	{"526072", 0, 0x806f8},
	{"0", 0, 0},
	{"08", 0, 8}, /* decimal, not octal */
	{"0xffffffff", 0, 0xffffffff},
	{"4294967295", 0, 0xffffffff},
	{"0x100000000", -EINVAL, 0},
	{"4294967296", -EINVAL, 0},
	{"", -EINVAL, 0},
	{"0x", -EINVAL, 0},
	{" 0x806f8", -EINVAL, 0},
	{"0x806f8 ", -EINVAL, 0},
	{"0x806f8\n", -EINVAL, 0},
	{"-1", -EINVAL, 0},
	{"+5", -EINVAL, 0},
	{"806f8", -EINVAL, 0}, /* hex needs its prefix */
	{"0x806g8", -EINVAL, 0},
	{"0x-1", -EINVAL, 0},
};

static void test_parse(void **state)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		uint32_t v = 0xdeadbeef;

		print_message("case \"%s\"\n", parse_cases[i].text);
		assert_int_equal(tdx_cpu_signature_parse(parse_cases[i].text, &v),
				 parse_cases[i].ret);
		assert_int_equal(v, parse_cases[i].ret == 0 ? parse_cases[i].value : 0xdeadbeef);
	}
	assert_int_equal(tdx_cpu_signature_parse(NULL, &(uint32_t){0}), -EINVAL);
}

static void test_override(void **state)
{
	uint32_t v = 0;

	assert_int_equal(setenv(TDX_CPU_SIGNATURE_ENV, "0xa06d2", 1), 0);
	assert_int_equal(tdx_cpu_signature(&v), 0);
	assert_int_equal(v, 0xa06d2);
	assert_int_equal(setenv(TDX_CPU_SIGNATURE_ENV, "junk", 1), 0);
	v = 7;
	assert_int_equal(tdx_cpu_signature(&v), -EINVAL);
	assert_int_equal(v, 7);
	/* Set but empty is a mistake, not "no override". */
	assert_int_equal(setenv(TDX_CPU_SIGNATURE_ENV, "", 1), 0);
	assert_int_equal(tdx_cpu_signature(&v), -EINVAL);
	assert_int_equal(unsetenv(TDX_CPU_SIGNATURE_ENV), 0);
}

static void test_real_cpu(void **state)
{
	uint32_t v = 0;

	assert_int_equal(unsetenv(TDX_CPU_SIGNATURE_ENV), 0);
	/* The build and test hosts are x86: libcpuid must give a family. */
	assert_int_equal(tdx_cpu_signature(&v), 0);
	assert_int_not_equal(v, 0);
	assert_int_not_equal((v >> 8) & 0xf, 0);
}

static void test_platform_names(void **state)
{
	static const struct {
		uint32_t sig;
		const char *name;
	} cases[] = {
		{0x806f8, "Sapphire Rapids"},
		{0x806f0, "Sapphire Rapids"},
		{0xc06f2, "Emerald Rapids"},
		{0xa06f0, "Sierra Forest"},
		{0xa06d1, "Granite Rapids"},
		{0xa06e0, "Granite Rapids-D"},
		{0x906ea, NULL},
		{0x1806f8, NULL},
		{0x806e8, NULL},
		{0, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *n = tdx_cpu_platform_name(cases[i].sig);

		if (cases[i].name)
			assert_string_equal(n, cases[i].name);
		else
			assert_null(n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_real_cpu),
		cmocka_unit_test(test_platform_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
