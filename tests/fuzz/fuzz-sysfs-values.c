// SPDX-License-Identifier: LGPL-2.1-or-later
/* The parsers that read kernel attribute text: version, uint, CPU list, misc.current. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/macro.h>
#include <tdx/sysfs.h>
#include <tdx/version.h>
#include <tdx/young-td.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = NULL;
	struct tdx_version v;
	unsigned u, n;

	/* attributes are text: an embedded NUL ends them, as it would for the parser */
	if (size > TDX_SYSFS_ATTR_MAX || !(s = strndup((const char *)data, size)))
		return 0;

	if (tdx_version_parse(s, &v) == 0) {
		char buf[TDX_VERSION_STRING_MAX];
		struct tdx_version w;

		/* what we print must parse back to the same version */
		if (tdx_version_parse(tdx_version_format(&v, buf), &w) != 0 ||
		    !tdx_version_equal(&v, &w))
			abort();
	}
	if (tdx_parse_uint32(s, &u) == 0 && strlen(s) == 0)
		abort(); /* empty is never a number */
	if (tdx_cpu_list_count(s, &n) == 0 && n > TDX_CPU_LIST_MAX)
		abort();
	if (tdx_misc_current_tdx(s) < -1) /* misc.current: "tdx N" or -1 */
		abort();
	return 0;
}
