// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/image.h>
#include "src/lib/image-layout.h"
#include "synth.h"

static void make_sigstruct(uint8_t sig[TDX_SIGSTRUCT_SIZE], const struct synth_module_spec *spec)
{
	uint8_t *bin;
	size_t size;

	assert_int_equal(synth_module_build(spec, &bin, &size, sig), 0);
	free(bin);
}

static void test_parse_fields(void **state)
{
	const struct synth_module_spec spec = {.version = {1, 5, 6}};
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	struct tdx_sigstruct_info info;

	make_sigstruct(sig, &spec);
	assert_int_equal(tdx_sigstruct_parse(sig, sizeof(sig), &info, NULL), 0);
	assert_int_equal(info.header_type, 6);
	assert_int_equal(info.header_length, 0xe1);
	assert_int_equal(info.header_version, 0x10000);
	assert_false(info.debug);
	assert_int_equal(info.module_vendor, 0x8086);
	assert_int_equal(info.date, 0x20250101); /* synth default */
	assert_int_equal(info.seam_svn, 0x0506); /* synth default (minor << 8) | update */
	assert_int_equal(info.cpuid_count, 1);
	assert_int_equal(info.cpuid_table[0], SYNTH_CPU_SPR);
}

static void test_parse_errors(void **state)
{
	uint8_t sig[TDX_SIGSTRUCT_SIZE] = {};
	struct tdx_sigstruct_info info = {.date = 42};
	struct tdx_diag diag = {};

	assert_int_equal(tdx_sigstruct_parse(sig, sizeof(sig) - 1, &info, &diag), -EINVAL);
	assert_string_equal(diag.msg, "sigstruct is 2047 bytes, expected 2048");
	put_le32(sig + SIG_OFF_CPUID_COUNT, 256);
	assert_int_equal(tdx_sigstruct_parse(sig, sizeof(sig), &info, &diag), -EBADMSG);
	assert_string_equal(diag.msg, "sigstruct cpuid_table_size is 256, at most 255");
	assert_int_equal(info.date, 42);
	/* 255 entries exactly fill the 2 KiB. */
	put_le32(sig + SIG_OFF_CPUID_COUNT, 255);
	put_le32(sig + TDX_SIGSTRUCT_SIZE - 4, 0xa06d0);
	assert_int_equal(tdx_sigstruct_parse(sig, sizeof(sig), &info, NULL), 0);
	assert_int_equal(info.cpuid_table[254], 0xa06d0);
	assert_true(tdx_sigstruct_supports_cpu(&info, 0xa06d3));
}

static void test_debug_bit(void **state)
{
	const struct synth_module_spec spec = {.version = {1, 5, 6}, .debug = true};
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	struct tdx_sigstruct_info info;

	make_sigstruct(sig, &spec);
	assert_int_equal(tdx_sigstruct_parse(sig, sizeof(sig), &info, NULL), 0);
	assert_true(info.debug);
	/* Only bit 31 means debug. */
	put_le32(sig + SIG_OFF_MODULE_TYPE, 0x7fffffff);
	assert_int_equal(tdx_sigstruct_parse(sig, sizeof(sig), &info, NULL), 0);
	assert_false(info.debug);
}

static void test_supports_cpu(void **state)
{
	const struct synth_module_spec spec = {.version = {1, 5, 6}, .cpuids = {0x806f8, 0xc06f0}};
	static const struct {
		uint32_t cpu;
		bool ok;
	} cases[] = {
		{0x806f8, true},   {0x806f0, true}, {0x806ff, true},	 {0x806f4, true},
		{0xc06f0, true},   {0xc06f2, true}, {0xa06d0, false},	 {0x806e8, false},
		{0x1806f8, false}, {0x0, false},    {0xffffffff, false},
	};
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	struct tdx_sigstruct_info info;

	make_sigstruct(sig, &spec);
	assert_int_equal(tdx_sigstruct_parse(sig, sizeof(sig), &info, NULL), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("cpu 0x%x\n", cases[i].cpu);
		assert_int_equal(tdx_sigstruct_supports_cpu(&info, cases[i].cpu), cases[i].ok);
	}
	/* An empty table supports nothing. */
	info.cpuid_count = 0;
	assert_false(tdx_sigstruct_supports_cpu(&info, 0x806f8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_debug_bit),
		cmocka_unit_test(test_supports_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
