/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the planning verbs share (host facts, the store, the budget, the
 * plan) and the `plan` verb itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/cpu.h>
#include "output.h"
#include <tdx/update.h>
#include "verbs.h"

const struct cli_cache *cli_cache;

int cli_store_get(struct tdx_store **ret, bool *ret_owned, struct tdx_diag *diag)
{
	int r;

	if (cli_cache && cli_cache->store) {
		*ret = cli_cache->store;
		*ret_owned = false;
		return 0;
	}
	r = tdx_store_scan(arg_store, ret, diag);
	if (r >= 0)
		*ret_owned = true;
	return r;
}

int cli_host_facts_load(struct cli_host_facts *ret)
{
	struct tdx_update_ctx ctx = {};
	struct cli_host_facts f = {.host_owned = true};
	int r;

	if (cli_cache && cli_cache->host) {
		f.host = cli_cache->host;
		f.host_owned = false;
	} else {
		r = tdx_host_probe(arg_sysfs_root, &f.host);
		if (r < 0)
			return log_error(r, "%s: cannot probe the TDX host: %s", arg_sysfs_root,
					 strerror(-r));
	}
	if (arg_cpu_signature_set)
		f.cpu_signature = arg_cpu_signature;
	else
		f.cpu_err = tdx_cpu_signature(&f.cpu_signature);

	/* The library's own derivation, so the CLI plans exactly as an update checks. */
	ctx.host = f.host;
	r = tdx_update_ctx_init_policy_host(&ctx, f.cpu_err ? 0 : f.cpu_signature);
	if (r < 0) {
		cli_host_facts_done(&f);
		return log_error(r, "cannot derive the policy facts: %s", strerror(-r));
	}
	f.policy_host = ctx.policy_host;
	f.policy = (struct tdx_policy_opts){
		.trusted_keys = &arg_trusted_keys,
		.allow_debug = arg_allow_debug,
		.reinstall = arg_reinstall,
		.strict_compat = arg_strict_compat,
		.approved = arg_approved,
		.n_approved = arg_n_approved,
	};
	*ret = f;
	return 0;
}

void cli_host_facts_done(struct cli_host_facts *f)
{
	if (f->host_owned)
		tdx_host_free(f->host);
	f->host = NULL;
}

static int store_load(struct tdx_store **ret, bool *ret_owned)
{
	struct tdx_diag diag = {};
	int r;

	r = cli_store_get(ret, ret_owned, &diag);
	return r < 0 ? log_error_at(r, arg_store, &diag) : r;
}

unsigned cli_update_budget(const struct tdx_host *h)
{
	if (h->remaining_err)
		return UINT_MAX;
	return h->num_remaining_updates > arg_reserve ? h->num_remaining_updates - arg_reserve : 0;
}

int cli_parse_version_arg(const char *s, struct tdx_version *ret)
{
	if (tdx_version_parse(s, ret) < 0) {
		cli_usage_error("\"%s\" is not a version (expected X.Y.ZZ, e.g. 1.5.20)", s);
		return -EINVAL;
	}
	return 0;
}

int cli_plan_compute(const struct cli_host_facts *f, struct tdx_store *store,
		     const struct tdx_version *target, struct tdx_plan *ret, struct tdx_diag *diag)
{
	if (f->host->module_state != TDX_MODULE_RUNNING)
		return tdx_diag_set(diag, -ENODEV,
				    "the TDX module is %s, there is nothing to plan from",
				    tdx_module_state_to_string(f->host->module_state));
	return tdx_plan_compute(store, &f->policy_host, &f->policy, target,
				cli_update_budget(f->host), ret, diag);
}

int cli_plan_exit_code(int err)
{
	switch (err) {
	case 0:
	case -EALREADY:
		return CLI_EXIT_SUCCESS;
	case -EPERM:
	case -EXDEV:
	case -ENOSPC:
	case -ENODATA: /* an unknown input blocks every newer version */
		return CLI_EXIT_NO_PLAN;
	default:
		return CLI_EXIT_FAILURE;
	}
}

/* "Up to date" in the plan's shape: a plan with no hops. */
static int output_up_to_date(const struct cli_host_facts *f)
{
	struct tdx_plan empty = {.from = f->host->module_version};

	return output_plan(
		&(struct cli_plan){.plan = &empty, .budget = cli_update_budget(f->host)});
}

void cli_planning_done(struct cli_planning *p)
{
	tdx_plan_done(&p->plan);
	if (p->store_owned)
		tdx_store_free(p->store);
	p->store = NULL;
	cli_host_facts_done(&p->facts);
}

int cli_planning_load(struct cli_planning *p, int (*host_check)(const struct tdx_host *h))
{
	int r;

	r = cli_host_facts_load(&p->facts);
	if (r < 0)
		return r;
	if (host_check) {
		r = host_check(p->facts.host);
		if (r < 0)
			return r;
	}
	return store_load(&p->store, &p->store_owned);
}

int cli_planning_plan(struct cli_planning *p, int argc, char **argv,
		      int (*host_check)(const struct tdx_host *h), const char *what)
{
	struct tdx_version target;
	struct tdx_diag diag = {};
	int r;

	if (argc > 1 && cli_parse_version_arg(argv[1], &target) < 0)
		return CLI_EXIT_USAGE;
	r = cli_planning_load(p, host_check);
	if (r < 0)
		return r;
	r = cli_plan_compute(&p->facts, p->store, argc > 1 ? &target : NULL, &p->plan, &diag);
	if (r == 0 || r == -EALREADY)
		return r;
	log_error(r, "%s: %s", what, diag.msg[0] ? diag.msg : strerror(-r));
	return cli_plan_exit_code(r);
}

/*
 * --json: a refusal is a decision too, so it gets the plan document, with no
 * hops and the reason in "error" (issue 7). Not when the host could not be
 * probed: there is nothing to plan from.
 */
static int output_no_plan(const struct cli_host_facts *f, int code)
{
	struct tdx_plan empty = {};

	if (!output_is_json() || !f->host)
		return code;
	if (f->host->module_state == TDX_MODULE_RUNNING)
		empty.from = f->host->module_version;
	(void)output_plan(&(struct cli_plan){
		.plan = &empty, .budget = cli_update_budget(f->host), .error = log_last_error()});
	return code;
}

int verb_plan(int argc, char **argv)
{
	_cleanup_(cli_planning_done) struct cli_planning p = {};
	int r;

	r = cli_planning_plan(&p, argc, argv, NULL, "no plan");
	if (r == -EALREADY) {
		r = output_up_to_date(&p.facts);
		return r < 0 ? r : CLI_EXIT_SUCCESS;
	}
	if (r != 0)
		return output_no_plan(&p.facts, r);
	return output_plan(
		&(struct cli_plan){.plan = &p.plan, .budget = cli_update_budget(p.facts.host)});
}
