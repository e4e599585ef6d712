/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tdxctl list`: every store version with its verdict and every reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "verbs.h"

int verb_list(int argc, char **argv)
{
	_cleanup_(cli_planning_done) struct cli_planning p = {};
	_cleanup_free_ struct tdx_candidate *candidates = NULL;
	struct cli_list l = {};
	size_t n = 0;
	int r;

	r = cli_planning_load(&p, NULL);
	if (r < 0)
		return r;
	r = tdx_policy_evaluate(p.store, &p.facts.policy_host, &p.facts.policy, &candidates, &n);
	if (r < 0)
		return log_error(r, "%s: cannot evaluate the store: %s", arg_store, strerror(-r));

	l.store = p.store;
	l.running = p.facts.host->module_state == TDX_MODULE_RUNNING ? &p.facts.host->module_version
								     : NULL;
	l.candidates = candidates;
	l.n_candidates = n;
	return output_list(&l);
}
