/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one decimal-field parser behind versions, sysfs counters and CPU
 * lists: at least one digit, base 10 always ("08" is eight: the kernel
 * prints "%02u", never octal), no sign, no spaces, at most max.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* Parses the digits at *p and advances *p past them. -EINVAL on no digit or above max. */
static inline int parse_decimal_field(const char **p, uint32_t max, uint32_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*p = s;
	*ret = (uint32_t)v;
	return 0;
}

/* True at the end of an attribute value: nothing left, or exactly one newline (sysfs). */
static inline bool at_attribute_end(const char *p)
{
	return p[0] == '\0' || (p[0] == '\n' && p[1] == '\0');
}
