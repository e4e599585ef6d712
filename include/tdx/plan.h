/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The sequence of hops from the running version to a target, each hop allowed
 * by the policy from the version before it, using at most `budget` updates
 * (num_remaining_updates minus the reserve). Fewest hops; among equally short
 * plans, the one with the newest intermediate versions.
 */
#include <stddef.h>
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/policy.h>

struct tdx_plan {
	struct tdx_version from;
	struct tdx_store_entry **hops; /* in order; the last is the target */
	size_t n_hops;
};

/*
 * target NULL: the newest version reachable within the budget.
 * Errors (diag says which versions and why):
 *   -EALREADY  the target (or the newest) is already running and !reinstall: up to date
 *   -ENOENT    the target is not in the store
 *   -EPERM     the target itself can never be installed here (its reasons in diag)
 *   -EXDEV     no chain of allowed hops reaches the target
 *   -ENOSPC    a chain exists but needs more updates than the budget
 *   -ENODATA   newer versions exist but an unknown host input (the P-SEAMLDR
 *              version) blocks them: never reported as up to date
 */
int tdx_plan_compute(struct tdx_store *store, const struct tdx_policy_host *host,
		     const struct tdx_policy_opts *opts, const struct tdx_version *target,
		     unsigned budget, struct tdx_plan *ret, struct tdx_diag *diag);
void tdx_plan_done(struct tdx_plan *p);

/*
 * Why hop i is in the plan, for people and JSON: "target", "reinstall", or for
 * an intermediate hop why the next one cannot be taken from the version
 * before it ("needed: 1.5.20 requires a running module >= 1.5.06"). Returns buf.
 */
char *tdx_plan_describe_hop(const struct tdx_plan *p, size_t i, char buf[static TDX_DIAG_MAX]);
