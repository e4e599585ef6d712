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
#include <string.h>

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

/* Exactly 2*n hex digits (either case) into n bytes; out untouched on -EINVAL. */
static inline int parse_hex_exact(const char *s, size_t len, uint8_t *out, size_t n)
{
	uint8_t buf[64];

	if (n > sizeof(buf) || len != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (v < 0)
			return -EINVAL;
		buf[i / 2] = (uint8_t)(i % 2 ? buf[i / 2] | v : v << 4);
	}
	memcpy(out, buf, n);
	return 0;
}
