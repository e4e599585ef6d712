/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * qsort() unless the array is in order already, as a mapping file's releases
 * and an update's versions usually are: the check is one loop of cmp, where
 * qsort() is glibc's merge sort, code a short-lived tdxctl would translate
 * and run for nothing (issue 11). cmp must be a total order, or the order of
 * equal elements must not matter (qsort() does not promise to keep it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

static inline void tdx_sort(void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	const char *p = base;

	for (size_t i = 1; i < n; i++)
		if (cmp(p + (i - 1) * size, p + i * size) > 0) {
			qsort(base, n, size, cmp);
			return;
		}
}
