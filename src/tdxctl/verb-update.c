/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `tdxctl update`: plan, confirm, then let tdx_update_run_plan() do every
 * pre-flight check and the upload. This file only decides what to ask, what
 * to show while it runs and which exit code the outcome gets.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli-config.h"
#include "output.h"
#include "progress.h"
#include <tdx/sysfs.h>
#include <tdx/update.h>
#include "verbs.h"

/*
 * An upload killed half-way leaves fw_upload waiting and the operator
 * guessing; the kernel side cannot be interrupted anyway. So Ctrl-C, hangup
 * and SIGTERM are ignored from the first byte written until the hop is
 * classified; waiting for the lock (--wait-lock) stays interruptible.
 */
static const int uninterruptible_signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP};

static void signals_ignore(struct sigaction saved[static ELEMENTSOF(uninterruptible_signals)])
{
	struct sigaction ign = {.sa_handler = SIG_IGN};

	for (size_t i = 0; i < ELEMENTSOF(uninterruptible_signals); i++)
		sigaction(uninterruptible_signals[i], &ign, &saved[i]);
}

static void
signals_restore(const struct sigaction saved[static ELEMENTSOF(uninterruptible_signals)])
{
	for (size_t i = 0; i < ELEMENTSOF(uninterruptible_signals); i++)
		sigaction(uninterruptible_signals[i], &saved[i], NULL);
}

struct hop_printer {
	const struct tdx_plan *plan;
	struct progress progress;
	bool signals_ignored;
	struct sigaction saved[ELEMENTSOF(uninterruptible_signals)];
	size_t next;
	char label[2 * TDX_VERSION_STRING_MAX + 8];
};

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

	if (!hp->signals_ignored) {
		signals_ignore(hp->saved);
		hp->signals_ignored = true;
	}
	progress_update(&hp->progress, phase, done, total);
}

static void hop_printer_settle(struct hop_printer *hp)
{
	if (hp->signals_ignored) {
		signals_restore(hp->saved);
		hp->signals_ignored = false;
	}
	progress_clear(&hp->progress);
}

/* Called by the library after each hop: one line per hop, live. */
static void hop_done(void *ud, const struct tdx_hop_result *r)
{
	struct hop_printer *hp = ud;

	hop_printer_settle(hp);
	if (r->attempted && r->outcome == TDX_OUTCOME_FATAL)
		output_fatal_warning(r);
	/* A hop refused before writing is reported once, by log_refusal(). */
	if (!output_is_json() && !arg_dry_run && r->attempted)
		output_hop_line(r, stdout);
	fflush(stdout);
	hp->next++;
	hop_printer_label(hp);
}

static int exit_code_for_outcome(enum tdx_update_outcome o)
{
	switch (o) {
	case TDX_OUTCOME_SUCCESS:
		return CLI_EXIT_SUCCESS;
	case TDX_OUTCOME_FATAL:
		return CLI_EXIT_FATAL;
	case TDX_OUTCOME_TIMEOUT:
		return CLI_EXIT_TIMEOUT;
	default:
		return CLI_EXIT_FAILURE;
	}
}

/*
 * --direct writes sysfs itself: say "needs root" up front rather than after a
 * plan and a question. Permission on the attribute, not euid, so fixture
 * trees work unprivileged.
 */
static int check_writable(const struct tdx_host *h)
{
	_cleanup_free_ char *loading = NULL;

	if (arg_dry_run || !h->paths.fwupload_dir)
		return 0; /* pre-flight reports a missing fw_upload with its own words */
	loading = tdx_path_join(h->paths.fwupload_dir, "loading", NULL);
	if (!loading)
		return log_error(-ENOMEM, "out of memory");
	if (access(loading, W_OK) < 0) {
		int r = negative_errno();

		return log_error(r, "%s: %s; an update needs root (--dry-run does not)", loading,
				 strerror(-r));
	}
	return 0;
}

/* Refuses early, with the same words as the pre-flight check, when no slot is usable. */
static int check_budget(const struct tdx_host *h)
{
	if (h->remaining_err || h->num_remaining_updates > arg_reserve)
		return 0;
	if (h->num_remaining_updates == 0)
		return log_error(-ENOSPC,
				 "update refused: updates_left: num_remaining_updates is 0; the "
				 "P-SEAMLDR takes no more runtime updates until the host reboots");
	return log_error(
		-ENOSPC, "update refused: updates_left: %u update%s left and --reserve keeps %u",
		h->num_remaining_updates, h->num_remaining_updates == 1 ? "" : "s", arg_reserve);
}

int update_confirm(const char *from, const char *to, size_t n_hops)
{
	_cleanup_free_ char *line = NULL;
	size_t size = 0;

	if (arg_yes || arg_dry_run)
		return 0;
	if (!isatty(STDIN_FILENO))
		return cli_usage_error("update: not asking for confirmation without a terminal; "
				       "pass --yes to install");
	fprintf(stderr, "Install %s -> %s (%zu update%s)? [y/N] ", from, to, n_hops,
		n_hops == 1 ? "" : "s");
	fflush(stderr);
	if (getline(&line, &size, stdin) < 0)
		return log_error(-ECANCELED, "update cancelled");
	line[strcspn(line, "\n")] = '\0';
	if (strcasecmp(line, "y") != 0 && strcasecmp(line, "yes") != 0)
		return log_error(-ECANCELED, "update cancelled");
	return 0;
}

static int confirm(const struct tdx_plan *plan)
{
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];

	return update_confirm(tdx_version_format(&plan->from, a),
			      tdx_version_format(&plan->hops[plan->n_hops - 1]->version, b),
			      plan->n_hops);
}

static void update_ctx_init(struct tdx_update_ctx *ctx, const struct cli_host_facts *f,
			    struct tdx_store *store, struct hop_printer *hp)
{
	*ctx = (struct tdx_update_ctx){
		.host = f->host,
		.store = store,
		.policy_host = f->policy_host,
		.policy = f->policy,
		.reserve = arg_reserve,
		.lock_wait = arg_wait_lock,
	};
	ctx->fw = (struct tdx_fwupload_opts){
		.timeout_usec = arg_timeout_usec,
		.poll_initial_usec = TDX_FWUPLOAD_DEFAULT_POLL_INITIAL_USEC,
		.poll_max_usec = TDX_FWUPLOAD_DEFAULT_POLL_MAX_USEC,
		.progress = hop_progress,
		.progress_ud = hp,
	};
}

/* The error line for a run that stopped before writing anything. */
static void log_refusal(int err, const struct tdx_hop_result *r, const struct tdx_diag *diag)
{
	enum tdx_check failed = r ? tdx_preflight_first_failure(&r->preflight) : TDX_CHECK_COUNT;
	const char *hint = err == -EWOULDBLOCK ? "; pass --wait-lock to wait for it" : "";

	if (failed != TDX_CHECK_COUNT && r->preflight.checks[failed].msg[0])
		log_error(err, "update refused: %s: %s%s", tdx_check_to_string(failed),
			  r->preflight.checks[failed].msg, hint);
	else
		log_error(err, "update refused: %s%s", diag->msg[0] ? diag->msg : strerror(-err),
			  hint);
}

/* One line on stderr for every outcome but success (fatal has its own banner). */
static void log_outcome(const struct tdx_hop_result *r)
{
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];

	tdx_version_format(&r->from, a);
	tdx_version_format(&r->to, b);
	switch (r->outcome) {
	case TDX_OUTCOME_SUCCESS:
	case TDX_OUTCOME_FATAL:
		break;
	case TDX_OUTCOME_TIMEOUT:
		log_error(0,
			  "%s -> %s: fw_upload did not finish within %llu s; the module state is "
			  "unknown, run 'tdxctl status' before anything else",
			  a, b, (unsigned long long)(arg_timeout_usec / USEC_PER_SEC));
		break;
	case TDX_OUTCOME_IO_ERROR:
		log_error(0, "%s -> %s: could not drive fw_upload%s%s; %s still runs", a, b,
			  r->fw.error.raw[0] ? ": " : "", r->fw.error.raw, a);
		break;
	default:
		log_error(0, "%s -> %s: refused%s%s; %s still runs, TDs are intact", a, b,
			  r->fw.error.raw[0] ? ": " : "", r->fw.error.raw, a);
		break;
	}
}

int update_report(const struct tdx_host *host, const struct tdx_plan *plan,
		  const struct tdx_hop_result *results, size_t done, int err,
		  const struct tdx_diag *diag, bool hops_printed)
{
	const struct tdx_hop_result *last = done > 0 ? &results[done - 1] : NULL;
	struct cli_plan view = {.plan = plan, .budget = cli_update_budget(host)};
	struct cli_update u;
	int k, code;

	/* Without a live printer (tdxd ran the job), the lines it would have printed. */
	for (size_t i = 0; !hops_printed && i < done; i++) {
		if (results[i].attempted && results[i].outcome == TDX_OUTCOME_FATAL)
			output_fatal_warning(&results[i]);
		if (!output_is_json() && !arg_dry_run && results[i].attempted)
			output_hop_line(&results[i], output_out());
	}
	if (last && last->attempted)
		log_outcome(last);
	else if (err < 0)
		log_refusal(err, last, diag);

	u = (struct cli_update){.plan = &view,
				.dry_run = arg_dry_run,
				.results = results,
				.n_results = done,
				.err = err,
				.msg = diag->msg};
	code = last && last->attempted ? exit_code_for_outcome(last->outcome)
	       : err < 0	       ? CLI_EXIT_FAILURE
				       : CLI_EXIT_SUCCESS;
	k = output_update(&u);
	/* A failed print must not hide a fatal or unknown outcome behind exit 1. */
	return k < 0 && code == CLI_EXIT_SUCCESS ? k : code;
}

/* In-process, tdxctl applies tdxd.conf's [Inhibit] YoungTdSec= too: no path may skip it. */
static int update_young_td_usec(uint64_t *ret)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = NULL;
	int r;

	r = cli_config_load(&c);
	if (r < 0)
		return r;
	*ret = c->inhibit_young_td_usec;
	return 0;
}

static int run(const struct cli_host_facts *f, struct tdx_store *store, const struct tdx_plan *plan)
{
	uint64_t young_td_usec;
	_cleanup_free_ struct tdx_hop_result *results = NULL;
	struct hop_printer hp = {.plan = plan};
	struct tdx_update_ctx ctx;
	struct tdx_diag diag = {};
	size_t done = 0;
	int r;

	r = update_young_td_usec(&young_td_usec);
	if (r < 0)
		return r;
	progress_init(&hp.progress, !arg_dry_run && isatty(STDERR_FILENO));
	hop_printer_label(&hp);
	update_ctx_init(&ctx, f, store, &hp);
	ctx.young_td_usec = young_td_usec;

	r = tdx_update_run_plan(&ctx, plan, arg_dry_run, hop_done, &hp, &results, &done, &diag);
	hop_printer_settle(&hp);
	progress_done(&hp.progress);
	return update_report(f->host, plan, results, done, r, &diag, true);
}

int update_report_up_to_date(const struct tdx_host *host)
{
	struct tdx_plan empty = {.from = host->module_version};
	struct cli_plan view = {.plan = &empty, .budget = cli_update_budget(host)};
	int r;

	r = output_update(
		&(struct cli_update){.plan = &view, .dry_run = arg_dry_run, .up_to_date = true});
	return r < 0 ? r : CLI_EXIT_SUCCESS;
}

int update_report_refusal(int code)
{
	/* Scripts get a result document for every refusal, even before a plan, usage errors too. */
	if (code != 0 && output_is_json())
		output_update(&(struct cli_update){.dry_run = arg_dry_run,
						   .no_plan = code == CLI_EXIT_NO_PLAN,
						   .err = code < 0 ? code : -EINVAL,
						   .msg = log_last_error()});
	return code;
}

/*
 * Without the seamldr attributes every candidate is "seamldr unknown", which
 * the planner reports as nothing to do; say the real reason before planning.
 */
static int check_supported(const struct tdx_host *h)
{
	if (h->update_support == TDX_UPDATE_SUPPORTED || h->module_state != TDX_MODULE_RUNNING)
		return 0; /* a module that is not running has its own words in the planner */
	return log_error(-EOPNOTSUPP, "update refused: runtime update is unsupported: %s",
			 tdx_update_support_describe(h->update_support));
}

/* Checks that must pass before planning: runtime update, write access, update slots. */
static int check_host(const struct tdx_host *h)
{
	int r = check_supported(h);

	if (r >= 0)
		r = check_writable(h);
	return r < 0 ? r : check_budget(h);
}

int update_prepare(struct cli_planning *p, int argc, char **argv)
{
	int r;

	r = cli_planning_plan(p, argc, argv, check_host, "update refused: no plan");
	if (r == -EALREADY)
		return update_report_up_to_date(p->facts.host);
	if (r != 0)
		return update_report_refusal(r);
	return UPDATE_PLAN_READY;
}

int verb_update(int argc, char **argv)
{
	_cleanup_(cli_planning_done) struct cli_planning p = {};
	int r;

	r = update_prepare(&p, argc, argv);
	if (r != UPDATE_PLAN_READY)
		return r;
	r = confirm(&p.plan);
	if (r != 0)
		return update_report_refusal(r);
	return run(&p.facts, p.store, &p.plan);
}
