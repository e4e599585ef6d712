/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small, rooted sysfs attribute I/O. No global state: every path is given. */
#include <stddef.h>

#define TDX_SYSFS_ROOT_ENV "TDXCTL_SYSFS_ROOT"
#define TDX_SYSFS_ATTR_MAX 4096

/* $TDXCTL_SYSFS_ROOT if set (secure_getenv), else "/sys". */
const char *tdx_sysfs_default_root(void);
/* Joins path components with '/'; malloc'ed, NULL on OOM. Last argument NULL. */
char *tdx_path_join(const char *first, ...) __attribute__((sentinel));
/*
 * Concatenates the strings as they are (no '/' added or folded); malloc'ed,
 * NULL on OOM. Last argument NULL. asprintf("%s/%s") without the printf
 * machinery a short-lived tdxctl would run for it alone (issue 11).
 */
char *tdx_strjoin(const char *first, ...) __attribute__((sentinel));

/*
 * Reads an attribute (at most TDX_SYSFS_ATTR_MAX bytes), strips one trailing
 * newline. Returns -errno of open/read unchanged (ENXIO, EACCES, EBUSY, ...).
 */
int tdx_sysfs_read(const char *path, char **ret);
/* Same into a caller buffer; returns the length. */
int tdx_sysfs_read_buf(const char *path, char *buf, size_t size);
/* Writes exactly the string (no NUL, no newline added), looping on short writes. */
int tdx_sysfs_write(const char *path, const char *value);
struct tdx_version;
/* Reads and parses a "%u.%u.%02u" attribute; -EINVAL for junk, read errors unchanged (ENXIO). */
int tdx_sysfs_read_version(const char *path, struct tdx_version *ret);
/* Parses an unsigned decimal attribute value ("%u\n"); -EINVAL for junk/overflow. */
int tdx_parse_uint32(const char *s, unsigned *ret);
/*
 * Counts the CPUs of a kernel CPU list ("0-3,8,10-11", as in
 * devices/system/cpu/online); empty is zero CPUs, one trailing newline is
 * accepted. -EINVAL for junk, reversed, overlapping or unordered ranges, or CPU
 * numbers >= TDX_CPU_LIST_MAX.
 */
#define TDX_CPU_LIST_MAX 65536u
int tdx_cpu_list_count(const char *s, unsigned *ret);
