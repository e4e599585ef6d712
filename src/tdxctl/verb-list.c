/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tdxctl list`: every store version with its verdict and every reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "verbs.h"

int verb_list(int argc, char **argv)
{
	_cleanup_(cli_host_facts_done) struct cli_host_facts f = {};
	_cleanup_(tdx_store_freep) struct tdx_store *store = NULL;
	_cleanup_free_ struct tdx_candidate *candidates = NULL;
	struct cli_list l = {};
	size_t n = 0;
	int r;

	r = cli_host_facts_load(&f);
	if (r < 0)
		return r;
	r = cli_store_load(false, &store);
	if (r < 0)
		return r;
	r = tdx_policy_evaluate(store, &f.policy_host, &f.policy, &candidates, &n);
	if (r < 0)
		return log_error(r, "%s: cannot evaluate the store: %s", arg_store, strerror(-r));

	l.store = store;
	l.running = f.host->module_state == TDX_MODULE_RUNNING ? &f.host->module_version : NULL;
	l.candidates = candidates;
	l.n_candidates = n;
	return output_list(&l);
}
