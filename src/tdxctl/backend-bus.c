/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus back-end: the view documents from tdxd (tdxctl-dbus(5)). tdxd
 * builds them from its cache with the same library views as the direct
 * back-end; an update runs as tdxd's job, followed here, and its result is
 * the job's document.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "bus-client.h"
#include "bus-module.h"
#include "bus-names.h"
#include "document-fd.h"
#include "progress.h"

/* A document fd larger than this is refused: tdxd's list of a huge store is far below. */
#define DOCUMENT_FD_MAX (1024u * 1024u * 1024u)

struct bus_state {
	sd_bus *bus;
};

static sd_bus *bus_of(struct backend *b)
{
	return ((struct bus_state *)b->state)->bus;
}

/* From a failed call's diag: -EHOSTDOWN stays, so the caller can fall back. */
static int fail_diag(struct backend *b, int r, const struct tdx_diag *diag)
{
	return backend_fail(b, r, "%s", diag->msg[0] ? diag->msg : strerror(-r));
}

static const struct tdxctl_bus_core *core; /* bus-module.h: tdxctl's json-c */

void backend_bus_set_core(const struct tdxctl_bus_core *c)
{
	core = c;
}

/* Parses size bytes of document text: one JSON object and nothing after it. */
static int parse_document(struct backend *b, const char *text, size_t size, const char *what,
			  json_object **ret)
{
	int r = core->parse_document(text, size, ret);

	if (r == -ENOMEM)
		return backend_fail(b, r, "%s: out of memory", what);
	if (r < 0)
		return backend_fail(b, r, "%s: tdxd sent a malformed document", what);
	return 0;
}

/* Parses the document of a reply: "s", or "h", a sealed memfd (GetList). */
static int read_document(struct backend *b, sd_bus_message *reply, const char *what,
			 json_object **ret)
{
	const void *data = NULL;
	const char *text;
	size_t size = 0;
	int fd, r;

	if (sd_bus_message_has_signature(reply, "s")) {
		r = sd_bus_message_read(reply, "s", &text);
		if (r < 0)
			return backend_fail(b, r, "%s: malformed reply", what);
		return parse_document(b, text, strlen(text), what, ret);
	}
	r = sd_bus_message_read(reply, "h", &fd);
	if (r < 0)
		return backend_fail(b, r, "%s: malformed reply", what);
	r = document_fd_map(fd, DOCUMENT_FD_MAX, &data, &size);
	if (r < 0)
		return backend_fail(b, r, "%s: tdxd's document fd is unusable: %s", what,
				    strerror(-r));
	r = parse_document(b, data, size, what, ret);
	if (data)
		munmap((void *)data, size);
	return r;
}

/* The a{sv} of the command line options tdxd honours (tdxctl-dbus(5)). */
static int append_options(sd_bus_message *m, const struct tdxctl_options *o)
{
	return sd_bus_message_append(m, "a{sv}", 3, "dry_run", "b", o->dry_run, "allow_debug", "b",
				     o->allow_debug, "reinstall", "b", o->reinstall);
}

/* Calls METHOD([target,] [options]) and parses the document it returns. */
static int call_document(struct backend *b, const char *method, const char *target, bool options,
			 json_object **ret)
{
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	struct tdx_diag diag = {};
	int r;

	r = sd_bus_message_new_method_call(bus_of(b), &m, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE,
					   method);
	if (r >= 0 && target)
		r = sd_bus_message_append(m, "s", target);
	if (r >= 0 && options)
		r = append_options(m, b->opts);
	if (r < 0)
		return backend_fail(b, r, "%s: %s", method, strerror(-r));
	r = bus_client_call(bus_of(b), m, &e, &reply);
	if (r < 0)
		return fail_diag(b, bus_client_failed(&e, r, method, &diag), &diag);
	return read_document(b, reply, method, ret);
}

static int bus_status(struct backend *b, json_object **ret)
{
	return call_document(b, "GetStatus", NULL, false, ret);
}

static int bus_list(struct backend *b, json_object **ret)
{
	return call_document(b, "GetList", NULL, true, ret);
}

static int bus_plan(struct backend *b, const char *target, json_object **ret)
{
	return call_document(b, "GetPlan", target, true, ret);
}

static int bus_update_check(struct backend *b, const char *target, json_object **ret)
{
	return call_document(b, "CheckUpdate", target, true, ret);
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

/*
 * What the follower knows of its job. The Finished signal carries the job's
 * update document, so a job normally ends without a call; PropertiesChanged
 * only wakes the progress bar.
 */
struct job_watch {
	const char *path; /* NULL until Update() has answered */
	sd_bus_slot *finished_slot, *changed_slot;
	bool changed;
	bool finished;
	char *document; /* Finished's document; NULL: ask GetResult() */
};

static bool watch_is_ours(sd_bus_message *m, const struct job_watch *w)
{
	const char *path = sd_bus_message_get_path(m);

	return w->path && path && strcmp(path, w->path) == 0;
}

static int on_job_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct job_watch *w = userdata;

	if (watch_is_ours(m, w))
		w->changed = true;
	return 0;
}

static int on_job_finished(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct job_watch *w = userdata;
	const char *result, *document;

	if (!watch_is_ours(m, w) || sd_bus_message_read(m, "ss", &result, &document) < 0)
		return 0;
	w->finished = true;
	if (document[0])
		w->document = strdup(document); /* NULL: GetResult() then */
	return 0;
}

/* A failed match only costs the signal: the one-second re-read still sees the end. */
static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	return 0;
}

/*
 * Listens for the Finished signal of any job before Update() is sent: the bus
 * daemon applies the match before it delivers the call, so the end of a job
 * that finishes at once is not missed.
 */
static int job_watch_start(sd_bus *bus, struct job_watch *w)
{
	return sd_bus_match_signal_async(bus, &w->finished_slot, TDX_BUS_NAME, NULL,
					 TDX_BUS_JOB_IFACE, "Finished", on_job_finished,
					 on_match_installed, w);
}

static void job_watch_done(struct job_watch *w)
{
	w->finished_slot = sd_bus_slot_unref(w->finished_slot);
	w->changed_slot = sd_bus_slot_unref(w->changed_slot);
	free(w->document);
	w->document = NULL;
}

/* Dispatches what came in, else waits: 1 when the job changed or ended, 0 after a quiet second. */
static int job_wait(sd_bus *bus, struct job_watch *w)
{
	int r;

	w->changed = false;
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r == -EINTR)
			return 0;
		if (r < 0)
			return r;
		if (w->finished || w->changed)
			return 1;
		if (r > 0)
			continue;
		r = sd_bus_wait(bus, USEC_PER_SEC);
		if (r == 0 || r == -EINTR)
			return 0;
		if (r < 0)
			return r;
	}
}

/*
 * Waits for the job to finish, drawing progress. The properties are read when
 * a PropertiesChanged woke us (only while drawing) and after every quiet
 * second, so a missed signal (or a tdxd without Finished) only delays.
 * Interrupting tdxctl does not stop the job: tdxd owns it.
 */
static int job_follow(sd_bus *bus, struct job_watch *w, const char *label, bool draw)
{
	struct progress p = {};
	struct job_view v = {};
	bool read_now = draw;
	int r = 0;

	if (draw) {
		r = sd_bus_match_signal(bus, &w->changed_slot, TDX_BUS_NAME, w->path,
					"org.freedesktop.DBus.Properties", "PropertiesChanged",
					on_job_changed, w);
		if (r < 0)
			return r;
	}
	progress_init(&p, draw);
	p.percent = true;
	progress_begin(&p, label);
	while (!w->finished) {
		if (read_now) {
			r = job_read(bus, w->path, &v);
			if (r < 0 || strcmp(v.state, "finished") == 0)
				break;
			show_progress(&p, &v);
		}
		r = job_wait(bus, w);
		if (r < 0)
			break;
		read_now = !w->finished;
	}
	/* Finished may wait behind the reply that said "finished". */
	while (r >= 0 && !w->finished && (r = sd_bus_process(bus, NULL)) > 0)
		;
	progress_clear(&p);
	progress_done(&p);
	return r < 0 && r != -EINTR ? r : 0;
}

static int job_result(struct backend *b, const char *job, json_object **ret)
{
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	struct tdx_diag diag = {};
	int r;

	r = sd_bus_call_method(bus_of(b), TDX_BUS_NAME, job, TDX_BUS_JOB_IFACE, "GetResult", &e,
			       &reply, NULL);
	if (r < 0)
		return fail_diag(b, bus_client_failed(&e, r, "GetResult", &diag), &diag);
	return read_document(b, reply, "GetResult", ret);
}

/*
 * Starts the job and follows it; label NULL: no progress bar. refused: what a
 * refusal of Update() returns (b->error says why). Anything later loses track
 * of a job that may have written: -ETIMEDOUT.
 */
static int job_run_follow(struct backend *b, const char *target, const char *label, int refused,
			  json_object **ret)
{
	_cleanup_free_ char *job = NULL;
	struct bus_state *s = b->state;
	_cleanup_(job_watch_done) struct job_watch w = {};
	struct tdx_diag diag = {};
	int r;

	r = job_watch_start(s->bus, &w);
	if (r < 0)
		return backend_fail(b, r, "cannot follow tdxd's jobs: %s", strerror(-r));
	r = bus_client_update(s->bus, target, b->opts, &job, &diag);
	if (r == -ETIMEDOUT)
		/* Unanswered is not refused: tdxd may have started the job. */
		return backend_fail(b, -ETIMEDOUT,
				    "tdxd did not answer Update in time (%s); an update may have "
				    "started: run 'tdxctl status' before anything else",
				    diag.msg);
	if (r < 0)
		return backend_fail(b, refused, "update refused: %s", diag.msg);
	w.path = job;
	r = job_follow(s->bus, &w, label ?: "", label != NULL);
	if (r >= 0 && w.document)
		r = parse_document(b, w.document, strlen(w.document), "Finished", ret);
	else if (r >= 0)
		r = job_result(b, job, ret);
	if (r < 0)
		/* The job may have written: the outcome is unknown, as after a timeout. */
		return backend_fail(b, -ETIMEDOUT,
				    "lost track of tdxd's %s: %s; run 'tdxctl status' before "
				    "anything else",
				    job, b->error[0] ? b->error : strerror(-r));
	return 0;
}

static bool progress_drawn(const struct backend *b)
{
	return !b->opts->dry_run && isatty(STDERR_FILENO);
}

/* Runs the plan CheckUpdate returned (checked: the bar's label). -EREMOTE: tdxd refused. */
static int bus_update_run(struct backend *b, const char *target, json_object *checked,
			  json_object **ret)
{
	char label[2 * TDX_VERSION_STRING_MAX + 8];

	core->plan_label(checked, label, sizeof(label));
	return job_run_follow(b, target, progress_drawn(b) ? label : NULL, -EREMOTE, ret);
}

/*
 * Update() without CheckUpdate() first: tdxd refuses at once what CheckUpdate
 * would not plan (tdxctl-dbus(5)), and then CheckUpdate words the refusal, so
 * only a refused update pays for the second call. A progress bar needs the
 * plan's label before the job starts: then the check comes first.
 */
static int bus_update_unchecked(struct backend *b, const char *target, json_object **ret)
{
	if (progress_drawn(b))
		return -EAGAIN;
	return job_run_follow(b, target, NULL, -EAGAIN, ret);
}

static void bus_close(struct backend *b)
{
	struct bus_state *s = b->state;

	if (!s)
		return;
	sd_bus_flush_close_unref(s->bus);
	free(s);
	b->state = NULL;
}

static const struct backend_ops bus_ops = {
	.status = bus_status,
	.list = bus_list,
	.plan = bus_plan,
	.update_check = bus_update_check,
	.update_run = bus_update_run,
	.update_unchecked = bus_update_unchecked,
	.close = bus_close,
};

int backend_bus_open(struct backend *b)
{
	struct bus_state *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return backend_fail(b, -ENOMEM, "out of memory");
	r = bus_client_open(&s->bus);
	if (r < 0) {
		free(s);
		return backend_fail(b, r, "no system bus");
	}
	b->state = s;
	b->ops = &bus_ops;
	return 0;
}
