// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `update VERSION` and `plan VERSION` without a store scan. A one-hop plan
 * to the target depends only on the target's entry (the planner tries the
 * direct hop first, plan.c), and a lookup by name gives the same entry as a
 * scan (store.h). Everything else a plan may need (the versions in between
 * for a chain, the newest for no target, the words of a refusal) comes from
 * the scan the caller then makes.
 */
#include <errno.h>

#include <tdx/view.h>

int tdx_view_lookup_target(const struct tdx_view_input *in, const char *root,
			   const struct tdx_version *target, struct tdx_store **ret)
{
	_cleanup_(tdx_store_freep) struct tdx_store *store = NULL;
	_cleanup_(tdx_plan_done) struct tdx_plan plan = {};
	struct tdx_view_input lookup = *in;
	int r;

	if (!target || !root)
		return 0;
	r = tdx_store_lookup(root, target, 1, &store, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* the scan says why, in its words */
	lookup.store = store;
	lookup.store_error = NULL;
	r = tdx_view_plan_compute(&lookup, target, &plan, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || plan.n_hops != 1)
		return 0;
	*ret = TAKE_PTR(store);
	return 1;
}
