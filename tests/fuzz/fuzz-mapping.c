// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tdx/mapping.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(tdx_mapping_freep) struct tdx_mapping *m = NULL;
	struct tdx_diag diag = {};

	if (tdx_mapping_parse((const char *)data, size, &m, &diag) < 0)
		return 0;
	/* Exercise the accessors on whatever parsed; the list must be sorted and unique. */
	for (size_t i = 0; i < m->n_releases; i++) {
		const struct tdx_release *r = &m->releases[i];

		if (tdx_mapping_find(m, &r->version) != r)
			__builtin_trap();
		if (i > 0 && tdx_version_compare(&m->releases[i - 1].version, &r->version) >= 0)
			__builtin_trap();
		(void)tdx_release_seamldr_ok(r, &r->min_td_preserving);
		(void)tdx_release_strict_lists(r, &r->version);
	}
	return 0;
}
