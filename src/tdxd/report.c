// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Report(): a verb's output rendered by tdxctl's own code (src/tdxctl: the
 * verbs and output.c), with tdxd's configuration standing in for the command
 * line. tdxctl prints the bytes as they come, so what it prints is the same
 * whether it ran the library itself (--direct) or asked tdxd, by construction
 * rather than by keeping two printers in step.
 *
 * The verbs' options are globals (verbs.h) and output.c's streams are too, so
 * rendering is serialised by render_lock: the loop thread renders Report()
 * calls, a job's worker renders its own result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdxd.h"
/* Below, log_error() is tdxctl's (output.h): it writes into the report. */
#undef log_error
#undef log_info
#include "output.h"
#include "verbs.h"

static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;

void report_done(struct report *r)
{
	free(r->out);
	free(r->err);
	*r = (struct report){};
}

static void set_args(const struct manager *m, const struct report_opts *o)
{
	arg_sysfs_root = m->sysfs_root;
	arg_store = m->config->store_path;
	arg_cpu_signature_set = false;
	arg_reserve = m->config->reserve;
	arg_strict_compat = m->config->strict_compat;
	arg_allow_debug = o->allow_debug || m->config->allow_debug;
	arg_trusted_keys = m->config->trusted_keys;
	arg_approved = m->config->fleet.approved;
	arg_n_approved = m->config->fleet.n_approved;
	arg_reinstall = o->reinstall;
	arg_json = o->json;
	arg_quiet = o->quiet;
	arg_dry_run = o->dry_run;
	arg_yes = true; /* the client asked before it called */
	arg_timeout_usec = m->config->upload_timeout_usec;
	arg_wait_lock = false;
	output_set_json(o->json);
	output_set_color(o->color && !o->json);
}

typedef int (*render_fn)(void *ud);

/* cache: what the verbs read instead of sysfs and the store (NULL: they probe). */
static int render(const struct manager *m, const struct report_opts *o,
		  const struct cli_cache *cache, render_fn fn, void *ud, struct report *ret)
{
	_cleanup_free_ char *out = NULL, *err = NULL;
	size_t n_out = 0, n_err = 0;
	FILE *fo, *fe;
	int code, k;

	fo = open_memstream(&out, &n_out);
	fe = open_memstream(&err, &n_err);
	if (!fo || !fe) {
		if (fo)
			fclose(fo);
		if (fe)
			fclose(fe);
		return -ENOMEM;
	}
	pthread_mutex_lock(&render_lock);
	set_args(m, o);
	cli_cache = cache;
	output_set_streams(fo, fe);
	code = fn(ud);
	output_set_streams(NULL, NULL);
	cli_cache = NULL;
	pthread_mutex_unlock(&render_lock);
	k = fclose(fo);
	if (fclose(fe) != 0 || k != 0)
		return -ENOMEM;
	/* Verbs return an exit code, or -errno after printing why (as tdxctl's main). */
	*ret = (struct report){
		.exit_status = code == UPDATE_PLAN_READY ? REPORT_PLAN_READY
			       : code < 0		 ? CLI_EXIT_FAILURE
							 : code,
		/* D-Bus strings must be UTF-8; file names in the text may not be */
		.out = tdx_utf8_sanitize(TAKE_PTR(out)),
		.err = tdx_utf8_sanitize(TAKE_PTR(err)),
	};
	return 0;
}

struct verb_call {
	int (*run)(int argc, char **argv);
	int argc;
	char *argv[3];
};

static int render_verb(void *ud)
{
	struct verb_call *c = ud;

	return c->run(c->argc, c->argv);
}

/* update before its job: the refusal tdxctl would print, or the plan (as JSON) to confirm. */
static int update_check(int argc, char **argv)
{
	_cleanup_(cli_planning_done) struct cli_planning p = {};
	int r;

	r = update_prepare(&p, argc, argv);
	if (r != UPDATE_PLAN_READY)
		return r;
	output_set_json(true);
	r = output_plan(
		&(struct cli_plan){.plan = &p.plan, .budget = cli_update_budget(p.facts.host)});
	return r < 0 ? r : UPDATE_PLAN_READY;
}

static int report_verb_render(const struct manager *m, const char *verb, const char *target,
			      const struct report_opts *o, const struct cli_cache *cache,
			      struct report *ret)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
		bool takes_target;
	} verbs[] = {
		{"status", verb_status, false},
		{"list", verb_list, false},
		{"plan", verb_plan, true},
		{"update", update_check, true},
	};

	for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
		struct verb_call c = {.run = verbs[i].run, .argc = 1, .argv = {(char *)verb}};

		if (strcmp(verb, verbs[i].name) != 0)
			continue;
		if (target[0] && !verbs[i].takes_target)
			return -EINVAL;
		if (target[0])
			c.argv[c.argc++] = (char *)target;
		return render(m, o, cache, render_verb, &c, ret);
	}
	return -EOPNOTSUPP;
}

static int render_job(void *ud)
{
	const struct job_outcome *o = ud;

	if (o->plan_err == -EALREADY)
		return update_report_up_to_date(o->host);
	if (o->plan_err < 0) {
		log_error(o->plan_err, "update refused: %s%s", o->host ? "no plan: " : "",
			  o->diag->msg[0] ? o->diag->msg : strerror(-o->plan_err));
		return update_report_refusal(o->host ? cli_plan_exit_code(o->plan_err)
						     : CLI_EXIT_FAILURE);
	}
	return update_report(o->host, o->plan, o->results, o->done, o->err, o->diag, false);
}

int report_job(const struct manager *m, bool dry_run, const struct job_outcome *o,
	       struct report ret[static REPORT_VARIANTS])
{
	for (int v = 0; v < REPORT_VARIANTS; v++) {
		struct report_opts opts = {
			.json = v == REPORT_JSON,
			.color = v == REPORT_COLOR,
			.dry_run = dry_run,
		};
		int r = render(m, &opts, NULL, render_job, (void *)o, &ret[v]);

		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Report() is open to everyone, so it must cost no more than a cache read
 * (issue 7): it renders from the host and store of the last refresh (lent to
 * the verbs as cli_cache, no sysfs or store I/O), and keeps each rendering
 * until the next refresh, so a flood of the same question is a lookup.
 */
#define REPORT_CACHE_MAX 64u

static char *report_key(const char *verb, const char *target, const struct report_opts *o)
{
	char *k;

	if (asprintf(&k, "%s/%s/%d%d%d%d%d%d", verb, target, o->json, o->color, o->quiet,
		     o->dry_run, o->allow_debug, o->reinstall) < 0)
		return NULL;
	return k;
}

static int report_copy(const struct report *from, struct report *ret)
{
	struct report r = {.exit_status = from->exit_status};

	r.out = strdup(from->out ?: "");
	r.err = strdup(from->err ?: "");
	if (!r.out || !r.err) {
		report_done(&r);
		return -ENOMEM;
	}
	*ret = r;
	return 0;
}

void report_cache_clear(struct manager *m)
{
	for (size_t i = 0; i < m->n_report_cache; i++) {
		free(m->report_cache[i].key);
		report_done(&m->report_cache[i].rep);
	}
	m->n_report_cache = 0;
}

static void report_cache_put(struct manager *m, char *key, const struct report *rep)
{
	struct report_cached *c;

	if (m->n_report_cache >= REPORT_CACHE_MAX)
		report_cache_clear(m); /* a flood of distinct questions: start over */
	if (!m->report_cache) {
		m->report_cache = calloc(REPORT_CACHE_MAX, sizeof(*m->report_cache));
		if (!m->report_cache) {
			free(key);
			return;
		}
	}
	c = &m->report_cache[m->n_report_cache];
	if (report_copy(rep, &c->rep) < 0) {
		free(key);
		return;
	}
	c->key = key;
	m->n_report_cache++;
}

int report_verb(struct manager *m, const char *verb, const char *target,
		const struct report_opts *o, struct report *ret)
{
	const struct cli_cache cache = {.host = m->host, .store = m->store};
	_cleanup_free_ char *key = report_key(verb, target, o);
	int r;

	if (!key)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_report_cache; i++)
		if (strcmp(m->report_cache[i].key, key) == 0)
			return report_copy(&m->report_cache[i].rep, ret);
	r = report_verb_render(m, verb, target, o, &cache, ret);
	if (r >= 0)
		report_cache_put(m, TAKE_PTR(key), ret);
	return r;
}
