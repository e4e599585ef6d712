// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxctl's seconds_format() against printf's "%.2f", the format it stands in
 * for: every duration up to 3 s in whole microseconds (exact halves
 * included), the same values as the bus delivers them (parsed back from the
 * JSON text "N.NNN" ms), long ones, and values printf alone decides.
 */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/tdxctl/seconds.h"

static void expect_as_printf(double ms)
{
	char want[SECONDS_STRING_MAX], got[SECONDS_STRING_MAX];

	snprintf(want, sizeof(want), "%.2f", ms / 1000.0);
	seconds_format(ms, got);
	if (strcmp(want, got) != 0)
		fail_msg("%.17g ms: printf says %s, seconds_format %s", ms, want, got);
}

/* As json.c's put_ms() makes the value in-process. */
static void test_every_microsecond(void **state)
{
	for (uint64_t us = 0; us <= 3000000; us++)
		expect_as_printf((double)us / 1000.0);
}

/* As a document from tdxd reaches tdxctl: the text "N.NNN", parsed. */
static void test_parsed_from_json_text(void **state)
{
	char text[64];

	for (uint64_t us = 0; us <= 3000000; us += 7) {
		snprintf(text, sizeof(text), "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);
		expect_as_printf(strtod(text, NULL));
	}
}

static void test_long_and_odd_values(void **state)
{
	static const double odd[] = {0.0,     -0.0, -1.0,  0.0004,   0.0005,	12.3456,
				     4.99999, 5.0,  15.0,  25.0,     600000.0,	86400000.0,
				     1e12,    1e15, 1e300, INFINITY, -INFINITY, NAN};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		expect_as_printf(odd[i]);
	for (uint64_t us = 3000000; us < 100000000000ULL; us = us * 3 + 4999)
		expect_as_printf((double)us / 1000.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_microsecond),
		cmocka_unit_test(test_parsed_from_json_text),
		cmocka_unit_test(test_long_and_odd_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
