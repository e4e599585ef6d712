/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hop line's durations ("write 0.01 s") in whole numbers. The line is
 * the only user of libc's floating-point printer in an update: some 700
 * instructions of code to fault in and run for two numbers (in the TCG
 * guest of bench-vm-update, where a run's code is translated again each
 * time, about 3 ms of an update's 140 ms overhead; issue 11).
 *
 * A duration of whole microseconds (what the engine measures, and what the
 * JSON carries as milliseconds with three decimals) rounds to the same
 * hundredths as printf rounds its double: the double is within far less
 * than a microsecond of the exact value, and a microsecond is the nearest a
 * value other than an exact half (x.xx5 s) comes to a rounding boundary.
 * Exact halves, values that are not whole microseconds and values out of
 * range are left to printf, which then decides as before.
 */
#include <inttypes.h>
#include <stdio.h>

#include "seconds.h"

char *seconds_format(double ms, char buf[static SECONDS_STRING_MAX])
{
	double us = ms * 1000.0;
	uint64_t whole, hundredths;

	if (!(us >= 0 && us < 1e15) || __builtin_signbit(us))
		goto printf_rounds;
	whole = (uint64_t)(us + 0.5);
	if (__builtin_fabs(us - (double)whole) > 1e-3 || whole % 10000 == 5000)
		goto printf_rounds;
	hundredths = (whole + 5000) / 10000;
	snprintf(buf, SECONDS_STRING_MAX, "%" PRIu64 ".%02" PRIu64, hundredths / 100,
		 hundredths % 100);
	return buf;
printf_rounds:
	snprintf(buf, SECONDS_STRING_MAX, "%.2f", ms / 1000.0);
	return buf;
}
