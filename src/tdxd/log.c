// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Logging. Plain lines on stderr carry sd-daemon "<N>" priority prefixes, so
 * under systemd they reach the journal with the right priority. Update
 * outcomes go to the journal as structured entries with a MESSAGE_ID, so
 * `journalctl MESSAGE_ID=...` finds every fatal update on a fleet; without a
 * journal (tests, containers) they fall back to stderr with the id inline.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-journal.h>

#include "tdxd.h"

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "<%d>", prio);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

int log_msg_errno(int prio, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "<%d>", prio);
	errno = err < 0 ? -err : err; /* for %m */
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
	return err;
}

void log_update_event(const char *message_id, int prio, unsigned job, const char *from,
		      const char *to, const char *result, const char *error)
{
	int r;

	/* TDX_JOB pairs a job's start entry with its outcome (numbers restart with tdxd's PID). */
	r = sd_journal_send("MESSAGE=TDX module update %s -> %s: %s%s%s", from,
			    to[0] ? to : "newest", result, error[0] ? ": " : "", error,
			    "MESSAGE_ID=%s", message_id, "PRIORITY=%d", prio, "TDX_JOB=%u", job,
			    "TDX_FROM=%s", from, "TDX_TO=%s", to, "TDX_RESULT=%s", result,
			    "TDX_ERROR=%s", error, NULL);
	if (r >= 0 && !getenv("TDXD_LOG_STDERR"))
		return;
	log_msg(prio, "TDX module update %s -> %s: %s%s%s [MESSAGE_ID=%s]", from,
		to[0] ? to : "newest", result, error[0] ? ": " : "", error, message_id);
}
