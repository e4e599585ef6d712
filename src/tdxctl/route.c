/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * status, list, plan and update, and where they run (tdxctl(8), ROUTING).
 * Without --direct the documents come from tdxd; with --direct from the
 * library in-process (backend.h). Either way render.h draws them, so the
 * output and the exit code do not depend on the route.
 *
 * When tdxd is not reachable, the read verbs (status, list, plan) run
 * in-process: they change nothing, and "is there an update?" must work on a
 * host without the daemon. update never does: it would bypass tdxd's lock,
 * inhibitors, hooks, polkit and history, so it stops and says --direct.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backend.h"
#include <tdx/json.h>
#include "log.h"

static struct render_ctx render_ctx_of(const struct tdxctl_options *o)
{
	return (struct render_ctx){.out = stdout,
				   .err = stderr,
				   .json = o->json,
				   .color = o->color,
				   .dry_run = o->dry_run};
}

static void backend_closep(struct backend *b)
{
	backend_close(b);
}

/* tdxd unless --direct; a usage error (> 0) for an option only --direct honours. */
static int route_open(const struct tdxctl_options *o, const char *verb, struct backend *b)
{
	if (o->direct)
		return backend_direct_open(b);
	if (o->direct_only_option)
		return cli_usage_error("%s: tdxd uses its own configuration (tdxd.conf); pass "
				       "--direct to %s in-process with this option",
				       o->direct_only_option, verb);
	return backend_bus_open(b);
}

typedef int (*fetch_fn)(struct backend *b, const char *target, json_object **ret);

/*
 * A read verb's document, from tdxd or, when it is not reachable, in-process.
 * Returns 0, a usage exit code, or CLI_EXIT_FAILURE after printing why.
 */
static int route_read(const struct tdxctl_options *o, const char *verb, const char *target,
		      fetch_fn fetch, json_object **ret)
{
	_cleanup_(backend_closep) struct backend b = {.opts = o};
	int r;

	r = route_open(o, verb, &b);
	if (r > 0)
		return r;
	if (r >= 0)
		r = fetch(&b, target, ret);
	if (r == -EHOSTDOWN && !o->direct) {
		backend_close(&b);
		r = backend_direct_open(&b);
		if (r >= 0)
			r = fetch(&b, target, ret);
	}
	if (r < 0) {
		log_error(r, "%s", b.error);
		return CLI_EXIT_FAILURE;
	}
	return 0;
}

static int fetch_status(struct backend *b, const char *target, json_object **ret)
{
	return b->ops->status(b, ret);
}

static int print_candidate(json_object *cand, void *userdata)
{
	return render_list_candidate(userdata, cand);
}

/* The text, one candidate at a time (list_each). */
static int print_list_in_parts(struct backend *b)
{
	_cleanup_(json_object_putp) json_object *rest = NULL;
	struct render_ctx c = render_ctx_of(b->opts);
	size_t n = 0;
	int r;

	r = b->ops->list_each(b, print_candidate, &c, &rest, &n);
	if (r >= 0)
		r = render_list_end(&c, rest, n);
	if (r == -EIO)
		return backend_fail(b, r, "cannot write to stdout");
	return r;
}

/*
 * In-process, list is printed as it is made, without a tree of 10,000
 * candidates: --json written (list_write), the text one candidate at a time
 * (list_each). *ret stays NULL then; the bus back-end returns the document.
 */
static int fetch_list(struct backend *b, const char *target, json_object **ret)
{
	if (b->opts->json && b->ops->list_write)
		return b->ops->list_write(b, stdout);
	if (!b->opts->json && b->ops->list_each)
		return print_list_in_parts(b);
	return b->ops->list(b, ret);
}

static int fetch_plan(struct backend *b, const char *target, json_object **ret)
{
	return b->ops->plan(b, target, ret);
}

int verb_status(const struct tdxctl_options *o, int argc, char **argv)
{
	_cleanup_(json_object_putp) json_object *doc = NULL;
	struct render_ctx c = render_ctx_of(o);
	int r;

	r = route_read(o, "status", "", fetch_status, &doc);
	if (r != 0)
		return r;
	if (o->quiet)
		return exit_code_of_status(doc);
	return render_status(&c, doc) < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_SUCCESS;
}

int verb_list(const struct tdxctl_options *o, int argc, char **argv)
{
	_cleanup_(json_object_putp) json_object *doc = NULL;
	struct render_ctx c = render_ctx_of(o);
	int r;

	r = route_read(o, "list", "", fetch_list, &doc);
	if (r != 0)
		return r;
	if (!doc && !o->json)
		return CLI_EXIT_SUCCESS; /* printed as it was made */
	if (!doc)
		return render_json_streamed(&c) < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_SUCCESS;
	return render_list(&c, doc) < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_SUCCESS;
}

/* The optional VERSION argument: "" for the newest; CLI_EXIT_USAGE and why for junk. */
static int target_arg(int argc, char **argv, const char **ret, char *msg, size_t size)
{
	struct tdx_version v;

	*ret = argc > 1 ? argv[1] : "";
	if (argc > 1 && tdx_version_parse(argv[1], &v) < 0) {
		snprintf(msg, size, "\"%s\" is not a version (expected X.Y.ZZ, e.g. 1.5.20)",
			 argv[1]);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

int verb_plan(const struct tdxctl_options *o, int argc, char **argv)
{
	_cleanup_(json_object_putp) json_object *doc = NULL;
	struct render_ctx c = render_ctx_of(o);
	char msg[TDX_DIAG_MAX];
	const char *target;
	int r;

	if (target_arg(argc, argv, &target, msg, sizeof(msg)) != 0)
		return cli_usage_error("%s", msg);
	r = route_read(o, "plan", target, fetch_plan, &doc);
	if (r != 0)
		return r;
	r = render_plan(&c, doc);
	return r < 0 ? CLI_EXIT_FAILURE : exit_code_of_document(doc);
}

/* ---- update ---- */

/*
 * An update stopped before a document existed: the line, and for scripts the
 * result document all the same (code: an exit code).
 */
static int update_refused(const struct render_ctx *c, int code, const char *msg)
{
	log_error(0, "%s", msg);
	if (c->json)
		(void)render_json(c, tdx_view_update_verdict(NULL, c->dry_run,
							     code == CLI_EXIT_NO_PLAN
								     ? TDX_RESULT_NO_PLAN
								     : TDX_RESULT_REFUSED,
							     msg));
	return code;
}

/* 0: go ahead (--yes, --dry-run, or "y" on the terminal); else an exit code and why in msg. */
static int update_confirm(const struct tdxctl_options *o, json_object *plan, char *msg, size_t size)
{
	_cleanup_free_ char *line = NULL;
	json_object *hops = json_object_object_get(plan, "hops");
	size_t n = json_object_array_length(hops), len = 0;

	if (o->yes || o->dry_run)
		return 0;
	if (!isatty(STDIN_FILENO)) {
		snprintf(msg, size,
			 "update: not asking for confirmation without a terminal; pass --yes to "
			 "install");
		return CLI_EXIT_USAGE;
	}
	fprintf(stderr, "Install %s -> %s (%zu update%s)? [y/N] ",
		json_object_get_string(json_object_object_get(plan, "from")),
		json_object_get_string(json_object_object_get(plan, "to")), n, n == 1 ? "" : "s");
	fflush(stderr);
	if (getline(&line, &len, stdin) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0)
			return 0;
	}
	snprintf(msg, size, "update cancelled");
	return CLI_EXIT_FAILURE;
}

static int update_not_reachable(const struct backend *b)
{
	log_error(-EHOSTDOWN,
		  "tdxd is not reachable (%s); pass --direct to update in-process, without tdxd",
		  b->error[0] ? b->error : "no system bus");
	return CLI_EXIT_FAILURE;
}

/* After update_run (r): 0 with the outcome's document, or an exit code after printing why. */
static int update_ran(const struct tdxctl_options *o, struct backend *b, struct render_ctx *c,
		      int r)
{
	if (r == -ETIMEDOUT) {
		log_error(r, "%s", b->error);
		return CLI_EXIT_TIMEOUT;
	}
	if (r < 0)
		return update_refused(c, CLI_EXIT_FAILURE, b->error);
	/* In-process the hop lines went out live; a job's come with its document. */
	c->hops_printed = o->direct;
	c->hint = b->refusal_hint;
	return 0;
}

/* Checks, asks, runs: the result document, or an exit code after printing why. */
static int update_run(const struct tdxctl_options *o, struct backend *b, const char *target,
		      struct render_ctx *c, json_object **ret)
{
	_cleanup_(json_object_putp) json_object *checked = NULL;
	char msg[2 * TDX_DIAG_MAX];
	int r;

	/*
	 * Nothing to ask: the back-end may start without a separate check (through
	 * tdxd one call instead of two; issue 11). A refusal comes back as -EAGAIN
	 * and is worded by the check below, as if it had come first.
	 */
	if ((o->yes || o->dry_run) && b->ops->update_unchecked) {
		r = b->ops->update_unchecked(b, target, ret);
		if (r != -EAGAIN)
			return update_ran(o, b, c, r);
		b->error[0] = '\0';
	}
	r = b->ops->update_check(b, target, &checked);
	if (r == -EHOSTDOWN && !o->direct)
		return update_not_reachable(b);
	if (r < 0)
		return update_refused(c, CLI_EXIT_FAILURE, b->error);
	if (exit_code_of_document(checked) != 0 ||
	    tdx_update_result_from_string(json_object_get_string(
		    json_object_object_get(checked, "result"))) != TDX_RESULT_PLANNED) {
		*ret = TAKE_PTR(checked);
		return 0;
	}
	r = update_confirm(o, json_object_object_get(checked, "plan"), msg, sizeof(msg));
	if (r != 0)
		return update_refused(c, r, msg);
	return update_ran(o, b, c, b->ops->update_run(b, target, checked, ret));
}

int verb_update(const struct tdxctl_options *o, int argc, char **argv)
{
	_cleanup_(backend_closep) struct backend b = {.opts = o};
	_cleanup_(json_object_putp) json_object *doc = NULL;
	struct render_ctx c = render_ctx_of(o);
	char msg[TDX_DIAG_MAX];
	const char *target;
	int r;

	r = target_arg(argc, argv, &target, msg, sizeof(msg));
	if (r != 0)
		return update_refused(&c, r, msg);
	b.render = &c;
	r = route_open(o, "update", &b);
	if (r > 0)
		return r;
	if (r == -EHOSTDOWN)
		return update_not_reachable(&b);
	if (r < 0)
		return update_refused(&c, CLI_EXIT_FAILURE, b.error);
	r = update_run(o, &b, target, &c, &doc);
	if (r != 0)
		return r;
	r = render_update(&c, doc);
	/* A failed print must not hide a fatal or unknown outcome behind exit 1. */
	return r < 0 && exit_code_of_document(doc) == 0 ? CLI_EXIT_FAILURE
							: exit_code_of_document(doc);
}
