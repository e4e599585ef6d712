// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxd's fleet face (issue 10): after every refresh and job it publishes
 * what it knows as a Prometheus textfile and an NFD feature file, and after
 * a FATAL outcome it leaves the marker that tdxd-reboot-required.path turns
 * into kured's /run/reboot-required. Everything comes from the cache and the
 * history: publishing reads no sysfs. The labels are re-written every
 * [Labels] RefreshSec= with a new expiry, so that they vanish when tdxd dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tdx/fleet.h>
#include <tdx/image.h>
#include <tdx/lock.h>
#include "tdxd.h"

struct fleet {
	struct tdx_fleetlock_counters fleetlock;
	sd_event_source *labels_timer;
	char *reboot_marker; /* <dir of the update lock>/reboot-required */
	int last_metrics_err;
	int last_labels_err;
};

static uint64_t now_realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

/* Attempts in the history by result, and the last one. */
static void facts_from_history(const struct tdx_history *h, struct tdx_fleet_facts *f)
{
	for (size_t i = 0; h && i < h->n_records; i++) {
		const struct tdx_history_record *rec = &h->records[i];
		int r = tdx_metrics_result_from_history(rec->result);

		if (r < 0)
			continue;
		f->updates[r]++;
		f->last_known = true;
		f->last_time_usec = rec->time_usec;
		f->last_success = r == TDX_METRICS_RESULT_SUCCESS;
	}
}

static const char *str_or_empty(const char *s)
{
	return s ?: "";
}

static void facts_from_manager(struct manager *m, struct tdx_fleet_facts *f)
{
	const struct tdxd_props *p = &m->props;
	bool running = p->module_state && strcmp(p->module_state, "running") == 0;

	*f = (struct tdx_fleet_facts){
		.module_version = running ? str_or_empty(p->module_version) : "",
		.seamldr_version = str_or_empty(p->seamldr_version),
		.mrseam = running ? str_or_empty(p->mrseam) : "",
		.remaining_updates = p->remaining_updates,
		.runtime_update = p->runtime_update,
		.module_lost = p->module_state && strcmp(p->module_state, "lost") == 0,
		.update_available = p->best_update && p->best_update[0],
		.inhibitors = m->n_inhibitors,
		.fleetlock = fleet_lock_enabled(m) ? &m->fleet->fleetlock : NULL,
	};
	fleet_lock_counters_copy(&m->fleet->fleetlock);
	facts_from_history(m->history, f);
}

/* Logs a failure once, not at every refresh, and again only after a success. */
static void note_result(const char *what, const char *dir, int r, int *last)
{
	if (r < 0 && r != *last)
		log_warning("cannot write the %s in %s: %s", what, dir, strerror(-r));
	*last = r;
}

static void publish_metrics(struct manager *m, const struct tdx_fleet_facts *f)
{
	const char *dir = m->config->fleet.metrics_dir;
	_cleanup_free_ char *text = NULL;
	int r;

	if (!dir[0])
		return;
	r = tdx_metrics_render(f, &text);
	if (r >= 0)
		r = tdx_file_replace_via(dir, TDX_METRICS_FILE, TDX_METRICS_TMP_FILE, text,
					 strlen(text), 0644);
	note_result("metrics", dir, r, &m->fleet->last_metrics_err);
}

static void publish_labels(struct manager *m, const struct tdx_fleet_facts *f)
{
	const struct tdx_fleet_config *c = &m->config->fleet;
	_cleanup_free_ char *text = NULL;
	struct tdx_diag diag = {};
	uint64_t expiry = now_realtime_usec() + 2 * c->labels_refresh_usec;
	int r;

	if (!c->labels_dir[0])
		return;
	r = tdx_labels_render(f, c->labels_namespace, expiry, &text, &diag);
	if (r == -EINVAL)
		log_warning("feature file not written: %s", diag.msg);
	if (r >= 0)
		r = tdx_file_replace_via(c->labels_dir, TDX_LABELS_FILE, TDX_LABELS_TMP_FILE, text,
					 strlen(text), 0644);
	note_result("feature file", c->labels_dir, r, &m->fleet->last_labels_err);
}

static void fleet_publish(struct manager *m)
{
	struct tdx_fleet_facts f;

	if (!m->fleet)
		return;
	facts_from_manager(m, &f);
	publish_metrics(m, &f);
	publish_labels(m, &f);
}

static int labels_timer_fired(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	struct tdx_fleet_facts f;

	facts_from_manager(m, &f);
	publish_labels(m, &f);
	(void)sd_event_source_set_time(s, usec + m->config->fleet.labels_refresh_usec);
	return 0;
}

static int labels_timer_start(struct manager *m)
{
	uint64_t now;

	if (!m->config->fleet.labels_dir[0] || !m->event)
		return 0;
	(void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	return sd_event_add_time(m->event, &m->fleet->labels_timer, CLOCK_MONOTONIC,
				 now + m->config->fleet.labels_refresh_usec, USEC_PER_SEC,
				 labels_timer_fired, m)
		       ?: sd_event_source_set_enabled(m->fleet->labels_timer, SD_EVENT_ON);
}

int fleet_start(struct manager *m)
{
	_cleanup_free_ char *lock_dir = strdup(tdx_lock_default_path());

	m->fleet = calloc(1, sizeof(*m->fleet));
	if (!m->fleet || !lock_dir ||
	    asprintf(&m->fleet->reboot_marker, "%s/%s", dirname(lock_dir), TDXD_REBOOT_MARKER) < 0)
		return -ENOMEM;
	return labels_timer_start(m);
}

void fleet_stop(struct manager *m)
{
	if (!m->fleet)
		return;
	sd_event_source_disable_unref(m->fleet->labels_timer);
	free(m->fleet->reboot_marker);
	free(m->fleet);
	m->fleet = NULL;
}

void fleet_on_refresh(struct manager *m)
{
	fleet_publish(m);
}

/*
 * The module is lost: the host needs a reboot. The marker is in tdxd's own
 * runtime directory (its sandbox cannot write /run itself);
 * tdxd-reboot-required.path sees it and creates kured's sentinel.
 */
static void write_reboot_marker(struct manager *m)
{
	static const char text[] = "tdx-module\n";
	int r;

	r = tdx_file_write_atomic(m->fleet->reboot_marker, text, sizeof(text) - 1, 0644);
	if (r < 0)
		log_error("cannot write %s: %s", m->fleet->reboot_marker, strerror(-r));
	else
		log_notice("reboot required: wrote %s", m->fleet->reboot_marker);
}

/*
 * Before the job's Finished: whoever saw tdxctl update end (kured's sentinel
 * path unit, a fleet tool reading the marker) must find it written, as the
 * history record. Only a fatal result writes; the rest waits for the tail.
 */
void fleet_on_job_result(struct manager *m, const char *result)
{
	if (m->fleet && strcmp(result, "fatal") == 0)
		write_reboot_marker(m);
}

/* After the post-job refresh: the metrics and labels of the new state. */
void fleet_on_job_end(struct manager *m)
{
	if (m->fleet)
		fleet_publish(m);
}
