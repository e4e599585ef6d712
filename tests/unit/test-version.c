// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/version.h>

static const struct {
	const char *text;
	int ret;
	struct tdx_version v;
} parse_cases[] = {
	{"1.5.08", 0, {1, 5, 8}},
	{"1.5.06\n", 0, {1, 5, 6}},
	{"01.5.08", 0, {1, 5, 8}},
	{"0.0.0", 0, {0, 0, 0}},
	{"2.0.100", 0, {2, 0, 100}},
	{"4294967295.4294967295.4294967295", 0, {UINT32_MAX, UINT32_MAX, UINT32_MAX}},
	{"00000000000000000001.5.09", 0, {1, 5, 9}},
	{"1.5", -EINVAL, {}},
	{"1.5.6.7", -EINVAL, {}},
	{"1.5.-1", -EINVAL, {}},
	{"1.5.+1", -EINVAL, {}},
	{"-1.5.1", -EINVAL, {}},
	{"4294967296.0.0", -EINVAL, {}},
	{"1.5.99999999999999999999", -EINVAL, {}},
	{" 1.5.06", -EINVAL, {}},
	{"1.5.06 ", -EINVAL, {}},
	{"1. 5.06", -EINVAL, {}},
	{"1.5.06\n\n", -EINVAL, {}},
	{"1.5.06\r\n", -EINVAL, {}},
	{"\n", -EINVAL, {}},
	{"", -EINVAL, {}},
	{"1..6", -EINVAL, {}},
	{".5.6", -EINVAL, {}},
	{"1.5.", -EINVAL, {}},
	{"0x1.5.6", -EINVAL, {}},
	{"1.5.6a", -EINVAL, {}},
	{"a.b.c", -EINVAL, {}},
	{"1,5,6", -EINVAL, {}},
};

static void test_parse_table(void **state)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct tdx_version v = {77, 77, 77};
		int r = tdx_version_parse(parse_cases[i].text, &v);

		print_message("case %zu: \"%s\"\n", i, parse_cases[i].text);
		assert_int_equal(r, parse_cases[i].ret);
		if (r == 0) {
			assert_int_equal(v.major, parse_cases[i].v.major);
			assert_int_equal(v.minor, parse_cases[i].v.minor);
			assert_int_equal(v.update, parse_cases[i].v.update);
		} else {
			/* Output untouched on failure. */
			assert_int_equal(v.major, 77);
			assert_int_equal(v.minor, 77);
			assert_int_equal(v.update, 77);
		}
	}
}

static void test_parse_null(void **state)
{
	struct tdx_version v;

	assert_int_equal(tdx_version_parse(NULL, &v), -EINVAL);
}

static void test_compare(void **state)
{
	static const struct {
		struct tdx_version a, b;
		int cmp;
	} cases[] = {
		{{1, 5, 8}, {1, 5, 8}, 0},
		{{1, 5, 8}, {1, 5, 10}, -1}, /* numeric, not "08" < "10" by luck */
		{{1, 5, 9}, {1, 5, 10}, -1}, /* a string compare would say +1 */
		{{1, 10, 0}, {1, 9, 99}, 1},
		{{2, 0, 0}, {1, 99, 99}, 1},
		{{0, 0, UINT32_MAX}, {0, 1, 0}, -1},
		{{UINT32_MAX, 0, 0}, {0, UINT32_MAX, UINT32_MAX}, 1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int c = tdx_version_compare(&cases[i].a, &cases[i].b);

		assert_int_equal(c > 0 ? 1 : c < 0 ? -1 : 0, cases[i].cmp);
		c = tdx_version_compare(&cases[i].b, &cases[i].a);
		assert_int_equal(c > 0 ? 1 : c < 0 ? -1 : 0, -cases[i].cmp);
		assert_int_equal(tdx_version_equal(&cases[i].a, &cases[i].b), cases[i].cmp == 0);
	}
}

static void test_same_series(void **state)
{
	struct tdx_version a = {1, 5, 6}, b = {1, 5, 20}, c = {1, 6, 6}, d = {2, 5, 6};

	assert_true(tdx_version_same_series(&a, &b));
	assert_false(tdx_version_same_series(&a, &c));
	assert_false(tdx_version_same_series(&a, &d));
}

static void test_format_round_trip(void **state)
{
	static const char *const texts[] = {"1.5.06", "1.5.20", "2.0.100", "0.0.00",
					    "4294967295.4294967295.4294967295"};
	char buf[TDX_VERSION_STRING_MAX];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct tdx_version v;

		assert_int_equal(tdx_version_parse(texts[i], &v), 0);
		assert_string_equal(tdx_version_format(&v, buf), texts[i]);
	}
	assert_string_equal(tdx_version_format(&(struct tdx_version){1, 5, 8}, buf), "1.5.08");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),	  cmocka_unit_test(test_parse_null),
		cmocka_unit_test(test_compare),		  cmocka_unit_test(test_same_series),
		cmocka_unit_test(test_format_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
