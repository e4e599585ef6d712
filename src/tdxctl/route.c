// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Where status, list, plan and update run (tdxctl(8), ROUTING). Without
 * --direct they run in tdxd: it renders the verb with the same code as
 * --direct (src/tdxd/report.c) and tdxctl prints the bytes as they come, so
 * the output and the exit code do not depend on the route.
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
#include <unistd.h>
#include <json-c/json.h>

#include <tdx/json.h>

#include "bus-client.h"
#include "bus-names.h"
#include "output.h"
#include "progress.h"
#include "verbs.h"

/* Prints what tdxd rendered; returns its exit code. */
static int emit(const struct bus_report *rep)
{
	fputs(rep->err, stderr);
	if (fputs(rep->out, stdout) < 0 || fflush(stdout) != 0)
		return log_error(-EIO, "cannot write to stdout");
	return rep->exit_status;
}

static int not_reachable(const char *verb, const struct tdx_diag *diag)
{
	log_error(-EHOSTDOWN,
		  "tdxd is not reachable (%s); pass --direct to %s in-process, without tdxd",
		  diag->msg[0] ? diag->msg : "no system bus", verb);
	return CLI_EXIT_FAILURE;
}

/* A job's state as the follower sees it. */
struct job_view {
	char state[16];
	char phase[16];
	uint32_t progress;
};

static int job_read(sd_bus *bus, const char *job, struct job_view *v)
{
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *name;
	int r;

	r = sd_bus_call_method(bus, TDX_BUS_NAME, job, "org.freedesktop.DBus.Properties", "GetAll",
			       &e, &reply, "s", TDX_BUS_JOB_IFACE);
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
		const char *s;

		r = sd_bus_message_read(reply, "s", &name);
		if (r < 0)
			break;
		if (strcmp(name, "State") == 0 || strcmp(name, "Phase") == 0) {
			r = sd_bus_message_read(reply, "v", "s", &s);
			if (r >= 0)
				snprintf(name[0] == 'S' ? v->state : v->phase, sizeof(v->state),
					 "%s", s);
		} else if (strcmp(name, "Progress") == 0)
			r = sd_bus_message_read(reply, "v", "u", &v->progress);
		else
			r = sd_bus_message_skip(reply, "v");
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
	}
	return r < 0 ? r : 0;
}

/* The job's Progress (job.c: writing is 10..80) on the same bar as --direct. */
static void show_progress(struct progress *p, const struct job_view *v)
{
	if (strcmp(v->phase, "writing") == 0)
		progress_update(p, TDX_PHASE_WRITING, v->progress > 10 ? v->progress - 10 : 0, 70);
	else if (strcmp(v->phase, "installing") == 0)
		progress_update(p, TDX_PHASE_INSTALLING, 0, 0);
	else if (strcmp(v->phase, "verifying") == 0)
		progress_update(p, TDX_PHASE_VERIFYING, 0, 0);
}

/* The signal only wakes job_follow(), which reads the properties itself. */
static int on_job_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	*(bool *)userdata = true;
	return 0;
}

/*
 * Waits for the job to finish, drawing progress. PropertiesChanged wakes us;
 * the state is re-read every second too, so a missed signal only delays.
 * Interrupting tdxctl does not stop the job: tdxd owns it.
 */
static int job_follow(sd_bus *bus, const char *job, const char *label)
{
	struct progress p = {};
	struct job_view v = {};
	bool changed = false;
	int r;

	r = sd_bus_match_signal(bus, NULL, TDX_BUS_NAME, job, "org.freedesktop.DBus.Properties",
				"PropertiesChanged", on_job_changed, &changed);
	if (r < 0)
		return r;
	progress_init(&p, !arg_dry_run && isatty(STDERR_FILENO));
	p.percent = true;
	progress_begin(&p, label);
	for (;;) {
		r = job_read(bus, job, &v);
		if (r < 0 || strcmp(v.state, "finished") == 0)
			break;
		show_progress(&p, &v);
		/* Sleep until the next signal or a second, whichever is first. */
		changed = false;
		while (!changed) {
			r = sd_bus_process(bus, NULL);
			if (r == 0)
				r = sd_bus_wait(bus, USEC_PER_SEC);
			if (r == 0 || (r < 0 && r != -EINTR))
				break; /* a second passed, or the bus is gone */
		}
		if (r < 0 && r != -EINTR)
			break;
	}
	progress_clear(&p);
	progress_done(&p);
	return r < 0 && r != -EINTR ? r : 0;
}

/* "from", "to" and the hop count of the plan tdxd sends back as JSON, for the question. */
static int plan_summary(const char *json, char from[static TDX_VERSION_STRING_MAX],
			char to[static TDX_VERSION_STRING_MAX], size_t *ret_hops)
{
	_cleanup_(json_object_putp) json_object *o = json_tokener_parse(json);
	json_object *f, *t, *h;

	if (!o || !json_object_object_get_ex(o, "from", &f) ||
	    !json_object_object_get_ex(o, "to", &t) || !json_object_object_get_ex(o, "hops", &h) ||
	    !json_object_is_type(h, json_type_array))
		return -EBADMSG;
	snprintf(from, TDX_VERSION_STRING_MAX, "%s", json_object_get_string(f));
	snprintf(to, TDX_VERSION_STRING_MAX, "%s", json_object_get_string(t));
	*ret_hops = json_object_array_length(h);
	return 0;
}

static int update_failed(int err, const struct tdx_diag *diag)
{
	log_error(err, "update refused: %s", diag->msg);
	return update_report_refusal(err);
}

static int update_via_bus(sd_bus *bus, const char *target, struct bus_report *check)
{
	_cleanup_(bus_report_done) struct bus_report rep = {};
	_cleanup_free_ char *job = NULL;
	char from[TDX_VERSION_STRING_MAX], to[TDX_VERSION_STRING_MAX];
	char label[2 * TDX_VERSION_STRING_MAX + 8];
	struct tdx_diag diag = {};
	size_t n_hops;
	int r;

	if (plan_summary(check->out, from, to, &n_hops) < 0)
		return log_error(-EBADMSG, "tdxd sent a malformed plan");
	r = update_confirm(from, to, n_hops);
	if (r != 0)
		return r;
	r = bus_client_update(bus, target, &job, &diag);
	if (r < 0)
		return update_failed(r, &diag);
	snprintf(label, sizeof(label), "%s -> %s", from, to);
	r = job_follow(bus, job, label);
	if (r >= 0)
		r = bus_client_job_report(bus, job, &rep, &diag);
	if (r < 0) {
		/* The job may have written: the outcome is unknown, as after a timeout. */
		log_error(r,
			  "lost track of tdxd's %s: %s; run 'tdxctl status' before anything else",
			  job, diag.msg[0] ? diag.msg : strerror(-r));
		return CLI_EXIT_TIMEOUT;
	}
	return emit(&rep);
}

int route_verb(const char *verb, int argc, char **argv, int (*direct)(int argc, char **argv))
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(bus_report_done) struct bus_report rep = {};
	const char *target = argc > 1 ? argv[1] : "";
	bool update = strcmp(verb, "update") == 0;
	struct tdx_diag diag = {};
	struct tdx_version v;
	int r;

	if (arg_direct)
		return direct(argc, argv);
	if (arg_direct_only_option)
		return cli_usage_error("%s: tdxd uses its own configuration (tdxd.conf); pass "
				       "--direct to %s in-process with this option",
				       arg_direct_only_option, verb);
	/* The same usage error as --direct, before asking anyone. */
	if (argc > 1 && cli_parse_version_arg(target, &v) < 0)
		return CLI_EXIT_USAGE;

	r = bus_client_open(&bus);
	if (r >= 0)
		r = bus_client_report(bus, verb, target, &rep, &diag);
	if (r == -EHOSTDOWN)
		return update ? not_reachable(verb, &diag) : direct(argc, argv);
	if (r < 0) {
		log_error(r, "%s", diag.msg);
		return update ? update_report_refusal(r) : CLI_EXIT_FAILURE;
	}
	if (update && rep.exit_status == -1)
		return update_via_bus(bus, target, &rep);
	return emit(&rep);
}
