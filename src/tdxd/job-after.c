// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What follows a job's Finished signal: the refresh (a host probe and a
 * store scan), the update state, UpdateFinished and the fleet files
 * (job_complete_tail()). The caller that follows the job (tdxctl) exits on
 * Finished; running the refresh at the same time slowed that exit in the
 * TCG guest, where both share two CPUs and one 9p channel (issue 11). So
 * while the job's caller is still connected the tail waits, at most
 * AFTER_JOB_DELAY_USEC, until that caller has gone.
 *
 * Nobody sees the cache of before the job meanwhile: every message to tdxd,
 * a method call, a reply or the caller's own disconnection, runs the tail
 * first (a bus filter), so an answer is always built from the refreshed
 * cache. The job stays tdxd's running job until the tail ran: a new Update
 * or a SIGTERM waits for it as for the job itself.
 */
#include <errno.h>

#include "tdxd.h"

#define AFTER_JOB_DELAY_USEC (100 * USEC_PER_MSEC)

static void after_job_run(struct manager *m)
{
	struct job *j = m->after_job;

	if (!j)
		return;
	m->after_job = NULL;
	m->after_job_timer = sd_event_source_disable_unref(m->after_job_timer);
	job_complete_tail(j);
}

static int on_after_job_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	after_job_run(userdata);
	return 0;
}

/* Runs before sd-bus dispatches any incoming message. */
static int on_any_message(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	after_job_run(userdata);
	return 0;
}

/* Called while the track stays empty: sd-bus wants it dropped here. */
static int on_caller_gone(sd_bus_track *track, void *userdata)
{
	struct job *j = userdata;

	j->caller = sd_bus_track_unref(j->caller);
	after_job_run(j->manager);
	return 0;
}

int job_after_start(struct manager *m)
{
	return sd_bus_add_filter(m->bus, &m->after_job_filter, on_any_message, m);
}

void job_after_stop(struct manager *m)
{
	m->after_job = NULL; /* tdxd is going away: nothing left to refresh for */
	m->after_job_timer = sd_event_source_disable_unref(m->after_job_timer);
	m->after_job_filter = sd_bus_slot_unref(m->after_job_filter);
}

int job_track_caller(struct job *j, sd_bus_message *msg)
{
	int r;

	r = sd_bus_track_new(j->manager->bus, &j->caller, on_caller_gone, j);
	if (r >= 0)
		r = sd_bus_track_add_sender(j->caller, msg);
	if (r < 0)
		j->caller = sd_bus_track_unref(j->caller);
	return r;
}

void job_after_finished(struct job *j)
{
	struct manager *m = j->manager;
	int r;

	if (!j->caller || sd_bus_track_count(j->caller) == 0) {
		job_complete_tail(j);
		return;
	}
	r = sd_event_add_time_relative(m->event, &m->after_job_timer, CLOCK_MONOTONIC,
				       AFTER_JOB_DELAY_USEC, 0, on_after_job_timer, m);
	if (r < 0) {
		job_complete_tail(j);
		return;
	}
	m->after_job = j;
}
