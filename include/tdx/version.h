/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* A TDX module or P-SEAMLDR version, "major.minor.update" (kernel: "%u.%u.%02u"). */
struct tdx_version {
	uint32_t major;
	uint32_t minor;
	uint32_t update;
};

#define TDX_VERSION_STRING_MAX 40

/*
 * Parses exactly three dot-separated base-10 fields ("08" is eight). One
 * trailing newline is accepted (sysfs); anything else extra, a missing or empty
 * field, a sign, whitespace or a value above UINT32_MAX is -EINVAL.
 */
int tdx_version_parse(const char *s, struct tdx_version *ret);
int tdx_version_compare(const struct tdx_version *a, const struct tdx_version *b);
bool tdx_version_equal(const struct tdx_version *a, const struct tdx_version *b);
/* Same major.minor: the only kind of runtime update there is (Z-stream). */
bool tdx_version_same_series(const struct tdx_version *a, const struct tdx_version *b);
/* Formats as the kernel does, "%u.%u.%02u". Returns buf. */
char *tdx_version_format(const struct tdx_version *v, char buf[static TDX_VERSION_STRING_MAX]);
