// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The attempt in progress survives a crash. Before the first byte of a hop
 * goes to the kernel, the worker writes <state dir>/pending.json: the
 * records of this job's hops so far and one "in-progress" record for the
 * hop about to write. The loop thread removes it once the job's records are
 * in the history. At start, a pending file left behind (tdxd was killed or
 * crashed mid-update) is reconciled into the history: its in-progress
 * record becomes "unknown", with the state observed now, as fwupd does with
 * its pending-install records. A crash between the history save and the
 * removal records an attempt twice, never zero times.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tdx/history.h>
#include "tdxd.h"

#define PENDING_RESULT "in-progress"

/* Worker thread: reads only m->pending_path, which is fixed after start. */
int pending_save(const struct manager *m, const struct tdx_history_record *records, size_t n)
{
	const struct tdx_history h = {.records = (struct tdx_history_record *)records,
				      .n_records = n};

	return tdx_history_save(&h, m->pending_path);
}

void pending_mark(struct tdx_history_record *rec)
{
	tdx_history_set_field(rec->result, sizeof(rec->result), PENDING_RESULT);
	tdx_history_set_field(rec->error, sizeof(rec->error),
			      "in progress: bytes are being written to the kernel");
}

void pending_clear(const struct manager *m)
{
	if (unlink(m->pending_path) < 0 && errno != ENOENT)
		log_error("cannot remove %s: %m; the next start records its attempt again",
			  m->pending_path);
}

/* What the host shows now, for the record of an interrupted attempt. */
static void describe_now(const struct manager *m, struct tdx_history_record *rec)
{
	char v[TDX_VERSION_STRING_MAX] = "unknown", left[32] = "unknown",
	     buf[TDX_HISTORY_FIELD_MAX];
	const struct tdx_host *h = m->host;

	if (h && h->module_state == TDX_MODULE_RUNNING)
		tdx_version_format(&h->module_version, v);
	else if (h)
		snprintf(v, sizeof(v), "%s", tdx_module_state_to_string(h->module_state));
	rec->remaining_after = h && h->remaining_err == 0 ? (int32_t)h->num_remaining_updates : -1;
	if (rec->remaining_after >= 0)
		snprintf(left, sizeof(left), "%d", rec->remaining_after);
	snprintf(buf, sizeof(buf),
		 "tdxd stopped during this update (killed or crashed); outcome unknown; at the "
		 "next start the module was %s, update slots left: %s",
		 v, left);
	tdx_history_set_field(rec->error, sizeof(rec->error), buf);
	tdx_history_set_field(rec->result, sizeof(rec->result), "unknown");
}

int pending_reconcile(struct manager *m)
{
	_cleanup_(tdx_history_freep) struct tdx_history *p = NULL;
	struct tdx_diag diag = {};
	const char *last = NULL;
	int r;

	if (access(m->pending_path, F_OK) < 0)
		return 0;
	r = tdx_history_load(m->pending_path, &p, &diag);
	if (r < 0) {
		log_error("%s: %s; an interrupted update may be missing from the history",
			  m->pending_path, diag.msg);
		return 0;
	}
	for (size_t i = 0; i < p->n_records; i++) {
		struct tdx_history_record *rec = &p->records[i];

		if (strcmp(rec->result, PENDING_RESULT) == 0) {
			describe_now(m, rec);
			log_warning("update %s -> %s was interrupted: %s", rec->from, rec->to,
				    rec->error);
		}
		r = tdx_history_append(m->history, rec, m->config->history_max);
		if (r < 0)
			return r;
		last = rec->result;
	}
	r = tdx_history_save(m->history, m->history_path);
	if (r < 0) {
		log_error("cannot write %s: %s; keeping %s", m->history_path, strerror(-r),
			  m->pending_path);
		return 0;
	}
	pending_clear(m);
	return last ? manager_set_update_state(m, "idle", 0, last) : 0;
}
