/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * enum <-> string lookups from one table, as systemd's string-table.h:
 *
 *	static const char *const tdx_foo_table[_TDX_FOO_MAX] = {
 *		[TDX_FOO_A] = "a",
 *	};
 *	DEFINE_STRING_TABLE_LOOKUP(tdx_foo, enum tdx_foo);
 *
 * defines tdx_foo_to_string() (NULL outside the table) and
 * tdx_foo_from_string() (-EINVAL for an unknown or NULL string).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include <tdx/macro.h>

static inline ssize_t tdx_string_table_lookup(const char *const *table, size_t len, const char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (table[i] && strcmp(table[i], s) == 0)
			return (ssize_t)i;
	return -EINVAL;
}

#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, scope) \
	scope const char *name##_to_string(type i)              \
	{                                                       \
		if ((size_t)i >= ELEMENTSOF(name##_table))      \
			return NULL;                            \
		return name##_table[i];                         \
	}

#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type, scope)                                \
	scope type name##_from_string(const char *s)                                             \
	{                                                                                        \
		return (type)tdx_string_table_lookup(name##_table, ELEMENTSOF(name##_table), s); \
	}

#define DEFINE_STRING_TABLE_LOOKUP(name, type)             \
	DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, ) \
	DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type, )
