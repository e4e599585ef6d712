// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/macro.h>
#include <tdx/version.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = malloc(size + 1);
	char buf[TDX_VERSION_STRING_MAX];
	struct tdx_version v, again;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (tdx_version_parse(s, &v) < 0)
		return 0;
	/* Whatever parses formats to something that parses to the same version. */
	if (tdx_version_parse(tdx_version_format(&v, buf), &again) < 0 ||
	    !tdx_version_equal(&v, &again))
		__builtin_trap();
	if (tdx_version_compare(&v, &again) != 0 || !tdx_version_same_series(&v, &again))
		__builtin_trap();
	return 0;
}
