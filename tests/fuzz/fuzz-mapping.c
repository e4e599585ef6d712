// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mapping_file.json: the parser on any input, and its fast path (one release
 * at a time, mapping-stream.c) against the json-c tree of the whole file:
 * whatever the fast path takes, the tree takes too, with the same result.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/lib/mapping-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool versions_equal(const struct tdx_version *a, const struct tdx_version *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!tdx_version_equal(&a[i], &b[i]))
			return false;
	return true;
}

static bool releases_equal(const struct tdx_release *a, const struct tdx_release *b)
{
	return tdx_version_equal(&a->version, &b->version) &&
	       tdx_version_equal(&a->min_td_preserving, &b->min_td_preserving) &&
	       a->has_strict_compat == b->has_strict_compat &&
	       a->n_strict_compat == b->n_strict_compat &&
	       versions_equal(a->strict_compat, b->strict_compat, a->n_strict_compat) &&
	       a->n_min_seamldr == b->n_min_seamldr &&
	       versions_equal(a->min_seamldr, b->min_seamldr, a->n_min_seamldr) &&
	       a->has_tdx_feature0 == b->has_tdx_feature0 && a->tdx_feature0 == b->tdx_feature0;
}

static bool mappings_equal(const struct tdx_mapping *a, const struct tdx_mapping *b)
{
	if (!a->header_version != !b->header_version ||
	    (a->header_version && strcmp(a->header_version, b->header_version) != 0) ||
	    a->n_releases != b->n_releases)
		return false;
	for (size_t i = 0; i < a->n_releases; i++)
		if (!releases_equal(&a->releases[i], &b->releases[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(tdx_mapping_freep) struct tdx_mapping *m = NULL, *fast = NULL, *tree = NULL;
	struct tdx_diag diag = {};
	int r;

	r = tdx_mapping_parse_fast((const char *)data, size, &fast);
	if (r == 0 && (tdx_mapping_parse_tree((const char *)data, size, &tree, &diag) < 0 ||
		       !mappings_equal(fast, tree)))
		__builtin_trap();
	if (tdx_mapping_parse((const char *)data, size, &m, &diag) < 0)
		return 0;
	/* Exercise the accessors on whatever parsed; the list must be sorted and unique. */
	for (size_t i = 0; i < m->n_releases; i++) {
		const struct tdx_release *rel = &m->releases[i];

		if (tdx_mapping_find(m, &rel->version) != rel)
			__builtin_trap();
		if (i > 0 && tdx_version_compare(&m->releases[i - 1].version, &rel->version) >= 0)
			__builtin_trap();
		(void)tdx_release_seamldr_ok(rel, &rel->min_td_preserving);
		(void)tdx_release_strict_lists(rel, &rel->version);
	}
	return 0;
}
