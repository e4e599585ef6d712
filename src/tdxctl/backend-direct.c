/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The direct back-end: the library in-process (--direct, or a read verb
 * when tdxd is not reachable). It probes this host and scans the store
 * named on the command line, then builds the same views tdxd serves.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cli-config.h"
#include <tdx/cpu.h>
#include <tdx/json-writer.h>
#include <tdx/json.h>
#include "log.h"
#include "progress.h"
#include <tdx/update.h>

struct direct {
	struct tdx_host *host;
	struct tdx_store *store;
	char store_error[TDX_DIAG_MAX];
	struct tdx_view_input in;
	struct tdx_plan plan;	      /* update_check's, run by update_run */
	struct tdx_inhibit_keys held; /* status: the named inhibitors */
	struct tdx_config *config;    /* tdxd.conf: site rules no path may skip */
	uint64_t upload_timeout_usec; /* --timeout, else UploadTimeoutSec= */
};

/* The host and the CPU; the store on demand (status works without one). */
static int direct_load(struct backend *b, struct direct **ret)
{
	const struct tdxctl_options *o = b->opts;
	struct direct *d = b->state;
	struct tdx_diag diag = {};
	int r;

	if (d->host) {
		*ret = d;
		return 0;
	}
	/*
	 * In-process, tdxctl applies tdxd.conf's site rules ([Update]
	 * ApprovedImages=, [Inhibit] YoungTdSec=) exactly as tdxd does: no path
	 * may install what the site has not approved. Reserve=, StrictCompat=
	 * and UploadTimeoutSec= are its defaults: an option given says otherwise
	 * for this run (--strict-compat can only add to StrictCompat=).
	 */
	r = tdx_config_load_all(cli_config_path(), &d->config, &diag);
	if (r < 0)
		return backend_fail(b, r, "%s", diag.msg);
	r = tdx_host_probe(o->sysfs_root, &d->host);
	if (r < 0)
		return backend_fail(b, r, "%s: cannot probe the TDX host: %s", o->sysfs_root,
				    strerror(-r));
	d->in = (struct tdx_view_input){
		.host = d->host,
		.cpu_signature = o->cpu_signature,
		.store_path = o->store,
		.policy =
			{
				.trusted_keys = &o->trusted_keys,
				.allow_debug = o->allow_debug,
				.reinstall = o->reinstall,
				.strict_compat = o->strict_compat || d->config->strict_compat,
				.approved = d->config->fleet.approved,
				.n_approved = d->config->fleet.n_approved,
			},
		.reserve = o->reserve_set ? o->reserve : d->config->reserve,
	};
	d->upload_timeout_usec = o->timeout_set ? o->timeout_usec : d->config->upload_timeout_usec;
	if (!o->cpu_signature_set)
		d->in.cpu_err = tdx_cpu_signature(&d->in.cpu_signature);
	*ret = d;
	return 0;
}

/* The store scanned, whole or (series set) only that series. */
static int direct_scan_store(struct backend *b, const struct tdx_version *series,
			     struct direct **ret)
{
	struct tdx_diag diag = {};
	struct direct *d = NULL;
	int r;

	r = direct_load(b, &d);
	if (r < 0)
		return r;
	if (!d->store && !d->in.store_error) {
		r = series ? tdx_store_scan_series(b->opts->store, series, &d->store, &diag)
			   : tdx_store_scan(b->opts->store, &d->store, &diag);
		if (r < 0) {
			snprintf(d->store_error, sizeof(d->store_error), "%s",
				 diag.msg[0] ? diag.msg : strerror(-r));
			d->in.store_error = d->store_error;
		}
		d->in.store = d->store;
	}
	*ret = d;
	return 0;
}

static int direct_load_store(struct backend *b, struct direct **ret)
{
	return direct_scan_store(b, NULL, ret);
}

/*
 * For a plan to a named version: the target looked up by name, when that
 * plans the one hop a scan plans too (over 9p or NFS the scan's directory
 * walk is a round trip per directory); the scan otherwise. For the newest
 * version: only the running series is scanned, the only one a plan can
 * reach or name (plan.c).
 */
static int direct_load_store_for(struct backend *b, const struct tdx_version *target,
				 struct direct **ret)
{
	struct direct *d = NULL;
	int r;

	r = direct_load(b, &d);
	if (r < 0)
		return r;
	if (!d->store && !d->in.store_error && target) {
		r = tdx_view_lookup_target(&d->in, b->opts->store, target, &d->store);
		if (r < 0)
			return backend_fail(b, r, "out of memory");
		d->in.store = d->store;
	}
	if (!target && d->host->module_state == TDX_MODULE_RUNNING && d->host->version_err == 0)
		return direct_scan_store(b, &d->host->module_version, ret);
	return direct_load_store(b, ret);
}

static int direct_status(struct backend *b, json_object **ret)
{
	struct direct *d = NULL;
	int r;

	r = direct_load_store(b, &d);
	if (r < 0)
		return r;
	if (d->host->paths.fwupload_dir)
		d->in.fw_status_err =
			tdx_fwupload_read_status(d->host->paths.fwupload_dir, &d->in.fw_status);
	/* beside the update lock, readable by anyone: what tdxd's HeldInhibitors shows */
	if (tdx_inhibit_keys_list(NULL, NULL, false, &d->held, NULL) == 0)
		d->in.held_keys = &d->held;
	*ret = tdx_view_status(&d->in);
	return *ret ? 0 : backend_fail(b, -ENOMEM, "out of memory");
}

/* The words of a list that failed (r < 0), the same whichever way it was made. */
static int list_failed(struct backend *b, struct direct *d, int r)
{
	if (r == -ENOENT) {
		tdx_view_store_error(&d->in, b->error, sizeof(b->error));
		return r;
	}
	if (r == -EIO)
		return backend_fail(b, r, "cannot write to stdout");
	return backend_fail(b, r, "%s: cannot evaluate the store: %s", b->opts->store,
			    strerror(-r));
}

static int direct_list(struct backend *b, json_object **ret)
{
	struct direct *d = NULL;
	int r;

	r = direct_load_store(b, &d);
	if (r < 0)
		return r;
	r = tdx_view_list(&d->in, ret);
	return r < 0 ? list_failed(b, d, r) : 0;
}

static int direct_list_write(struct backend *b, FILE *out)
{
	struct direct *d = NULL;
	int r;

	r = direct_load_store(b, &d);
	if (r < 0)
		return r;
	r = tdx_view_list_write(&d->in, out, TDX_JSON_WRITE_PRETTY);
	return r < 0 ? list_failed(b, d, r) : 0;
}

static int direct_list_each(struct backend *b, tdx_view_candidate_fn fn, void *userdata,
			    json_object **ret, size_t *ret_n)
{
	struct direct *d = NULL;
	int r;

	r = direct_load_store(b, &d);
	if (r < 0)
		return r;
	r = tdx_view_list_each(&d->in, fn, userdata, ret, ret_n);
	return r < 0 ? list_failed(b, d, r) : 0;
}

/* target "" is the newest; anything else was checked by the caller already. */
static const struct tdx_version *parse_target(const char *target, struct tdx_version *buf)
{
	return target[0] && tdx_version_parse(target, buf) >= 0 ? buf : NULL;
}

static int direct_plan(struct backend *b, const char *target, json_object **ret)
{
	const struct tdx_version *t;
	struct tdx_version v;
	struct direct *d = NULL;
	int r;

	t = parse_target(target, &v);
	r = direct_load_store_for(b, t, &d);
	if (r < 0)
		return r;
	*ret = tdx_view_plan_for(&d->in, t, "no plan");
	return *ret ? 0 : backend_fail(b, -ENOMEM, "out of memory");
}

static int direct_update_check(struct backend *b, const char *target, json_object **ret)
{
	const bool dry_run = b->opts->dry_run;
	enum tdx_update_result res;
	const struct tdx_version *t;
	struct tdx_version v;
	struct direct *d = NULL;
	int r;

	t = parse_target(target, &v);
	r = direct_load_store_for(b, t, &d);
	if (r < 0)
		return r;
	res = tdx_view_update_check(&d->in, t, dry_run, &d->plan, b->error, sizeof(b->error));
	if (res == TDX_RESULT_PLANNED)
		*ret = tdx_view_update(&(struct tdx_update_view){
			.in = &d->in, .plan = &d->plan, .dry_run = dry_run, .result = res});
	else
		*ret = tdx_view_update_verdict(&d->in, dry_run, res, b->error);
	return *ret ? 0 : backend_fail(b, -ENOMEM, "out of memory");
}

/*
 * An upload killed half-way leaves fw_upload waiting and the operator
 * guessing; the kernel side cannot be interrupted anyway. So Ctrl-C, hangup
 * and SIGTERM are ignored from the first byte written until the hop is
 * classified; waiting for the lock (--wait-lock) stays interruptible.
 */
static const int uninterruptible_signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP};

struct hop_printer {
	const struct render_ctx *render;
	const struct tdx_plan *plan;
	struct progress progress;
	bool signals_ignored;
	struct sigaction saved[ELEMENTSOF(uninterruptible_signals)];
	size_t next;
	char label[2 * TDX_VERSION_STRING_MAX + 8];
};

static void signals_ignore(struct hop_printer *hp)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};

	for (size_t i = 0; i < ELEMENTSOF(uninterruptible_signals); i++)
		sigaction(uninterruptible_signals[i], &ign, &hp->saved[i]);
	hp->signals_ignored = true;
}

static void hop_printer_settle(struct hop_printer *hp)
{
	if (hp->signals_ignored) {
		for (size_t i = 0; i < ELEMENTSOF(uninterruptible_signals); i++)
			sigaction(uninterruptible_signals[i], &hp->saved[i], NULL);
		hp->signals_ignored = false;
	}
	progress_clear(&hp->progress);
}

static void hop_printer_label(struct hop_printer *hp)
{
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];
	const struct tdx_version *from =
		hp->next == 0 ? &hp->plan->from : &hp->plan->hops[hp->next - 1]->version;

	if (hp->next >= hp->plan->n_hops)
		return;
	snprintf(hp->label, sizeof(hp->label), "%s -> %s", tdx_version_format(from, a),
		 tdx_version_format(&hp->plan->hops[hp->next]->version, b));
	progress_begin(&hp->progress, hp->label);
}

/* The engine's progress callback: the first call means bytes are going out. */
static void hop_progress(void *ud, enum tdx_upload_phase phase, size_t done, size_t total)
{
	struct hop_printer *hp = ud;

	if (!hp->signals_ignored)
		signals_ignore(hp);
	progress_update(&hp->progress, phase, done, total);
}

/* Called by the library after each hop: one line per hop, live. */
static void hop_done(void *ud, const struct tdx_hop_result *r)
{
	struct hop_printer *hp = ud;
	_cleanup_(json_object_putp) json_object *hop = NULL;

	hop_printer_settle(hp);
	/* A hop refused before writing is reported once, with the summary. */
	if (r->attempted)
		hop = tdx_json_hop_result(r);
	if (hop && r->outcome == TDX_OUTCOME_FATAL)
		render_fatal_warning(hp->render, hop);
	if (hop && !hp->render->json && !hp->render->dry_run)
		render_hop_line(hp->render, hop);
	hp->next++;
	hop_printer_label(hp);
}

static int direct_update_run(struct backend *b, const char *target, json_object *checked,
			     json_object **ret)
{
	const struct tdxctl_options *o = b->opts;
	struct direct *d = b->state;
	_cleanup_free_ struct tdx_hop_result *results = NULL;
	struct hop_printer hp = {.render = b->render, .plan = &d->plan};
	struct tdx_diag diag = {};
	size_t done = 0;
	int r;

	struct tdx_update_ctx ctx = {
		.host = d->host,
		.store = d->store,
		.policy = d->in.policy,
		.reserve = d->in.reserve,
		.lock_wait = o->wait_lock,
		.young_td_usec = d->config->inhibit_young_td_usec,
		.fw = {.timeout_usec = d->upload_timeout_usec,
		       .poll_initial_usec = TDX_FWUPLOAD_DEFAULT_POLL_INITIAL_USEC,
		       .poll_max_usec = TDX_FWUPLOAD_DEFAULT_POLL_MAX_USEC,
		       .progress = hop_progress,
		       .progress_ud = &hp},
	};
	r = tdx_update_ctx_init_policy_host(&ctx, d->in.cpu_err ? 0 : d->in.cpu_signature);
	if (r < 0)
		return backend_fail(b, r, "cannot derive the policy facts: %s", strerror(-r));
	progress_init(&hp.progress, !o->dry_run && isatty(STDERR_FILENO));
	hop_printer_label(&hp);
	r = tdx_update_run_plan(&ctx, &d->plan, o->dry_run, hop_done, &hp, &results, &done, &diag);
	hop_printer_settle(&hp);
	progress_done(&hp.progress);
	*ret = tdx_view_update(&(struct tdx_update_view){
		.in = &d->in,
		.plan = &d->plan,
		.dry_run = o->dry_run,
		.result = tdx_update_result_of_run(results, done, r, o->dry_run),
		.results = results,
		.n_results = done,
		.error = r < 0 ? (diag.msg[0] ? diag.msg : strerror(-r)) : NULL,
		.upload_timeout_usec = d->upload_timeout_usec,
	});
	/* The lock is the one refusal a flag of ours can wait out. */
	b->refusal_hint = r == -EWOULDBLOCK ? "; pass --wait-lock to wait for it" : NULL;
	return *ret ? 0 : backend_fail(b, -ENOMEM, "out of memory");
}

static void direct_close(struct backend *b)
{
	struct direct *d = b->state;

	if (!d)
		return;
	tdx_plan_done(&d->plan);
	tdx_inhibit_keys_done(&d->held);
	tdx_store_free(d->store);
	tdx_host_free(d->host);
	tdx_config_free(d->config);
	free(d);
	b->state = NULL;
}

static const struct backend_ops direct_ops = {
	.status = direct_status,
	.list = direct_list,
	.list_write = direct_list_write,
	.list_each = direct_list_each,
	.plan = direct_plan,
	.update_check = direct_update_check,
	.update_run = direct_update_run,
	.close = direct_close,
};

int backend_direct_open(struct backend *b)
{
	b->state = calloc(1, sizeof(struct direct));
	if (!b->state)
		return backend_fail(b, -ENOMEM, "out of memory");
	b->ops = &direct_ops;
	return 0;
}
