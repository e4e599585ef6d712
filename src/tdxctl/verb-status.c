/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tdxctl status`: the host as the kernel shows it, and the best update. */
#include <errno.h>
#include <string.h>

#include "output.h"
#include "verbs.h"

/* The store is optional for status: a missing store is reported, not fatal. */
static void best_update(const struct cli_host_facts *f, struct cli_best_update *ret)
{
	_cleanup_(tdx_plan_done) struct tdx_plan plan = {};
	struct tdx_store *store = NULL;
	struct tdx_diag diag = {};
	bool owned = false;
	int r;

	r = cli_store_get(&store, &owned, &diag);
	if (r < 0) {
		/* status prints the store path on its own line; the reason is enough here. */
		snprintf(ret->msg, sizeof(ret->msg), "%s", diag.msg[0] ? diag.msg : strerror(-r));
		return;
	}
	ret->store_ok = true;
	diag = (struct tdx_diag){};
	ret->err = cli_plan_compute(f, store, NULL, &plan, &diag);
	if (ret->err == 0) {
		ret->target = plan.hops[plan.n_hops - 1]->version;
		ret->n_hops = plan.n_hops;
	} else {
		snprintf(ret->msg, sizeof(ret->msg), "%s",
			 diag.msg[0] ? diag.msg : strerror(-ret->err));
	}
	if (owned)
		tdx_store_free(store);
}

/* status --quiet: the state for scripts (tdxctl(8), EXIT STATUS). */
static int status_exit_code(const struct cli_status *s)
{
	switch (s->host->module_state) {
	case TDX_MODULE_RUNNING:
		break;
	case TDX_MODULE_LOST:
		return CLI_EXIT_MODULE_LOST;
	default:
		return CLI_EXIT_STATE_UNKNOWN;
	}
	/* -ENODATA: an unknown host input (P-SEAMLDR) decides nothing, so it is not "fine". */
	if (!s->best.store_ok || s->best.err == -ENODATA)
		return CLI_EXIT_STATE_UNKNOWN;
	return s->best.err == 0 ? CLI_EXIT_UPDATE_AVAILABLE : CLI_EXIT_SUCCESS;
}

int verb_status(int argc, char **argv)
{
	_cleanup_(cli_host_facts_done) struct cli_host_facts f = {};
	struct cli_status s = {};
	int r;

	r = cli_host_facts_load(&f);
	if (r < 0)
		return r;
	s.host = f.host;
	s.cpu_err = f.cpu_err;
	s.cpu_signature = f.cpu_signature;
	s.store_path = arg_store;
	if (f.host->paths.fwupload_dir)
		s.fw_status_err =
			tdx_fwupload_read_status(f.host->paths.fwupload_dir, &s.fw_status);
	best_update(&f, &s.best);
	if (arg_quiet)
		return status_exit_code(&s);
	return output_status(&s);
}
