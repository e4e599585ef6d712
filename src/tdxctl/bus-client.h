/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * tdxctl's side of org.tdxctl.tdx1 (see tdxctl-dbus(5)). Calls return the
 * same library structs the in-process path computes, so output.c prints
 * either the same way. "Not reachable" (no bus, no tdxd, not activatable) is
 * -EHOSTDOWN so verbs can fall back to running the library in-process.
 */
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "history.h"

/* Set by --direct: never talk to tdxd. Defined in bus-client.c. */
extern bool arg_direct;
/* The first option given that only --direct honours ("--store"), NULL when none. */
extern const char *arg_direct_only_option;
/* `inhibit --who/--why`. */
extern const char *arg_inhibit_who;
extern const char *arg_inhibit_why;

/* The system bus, unless --direct. -EHOSTDOWN when there is none. */
int bus_client_open(sd_bus **ret);
/* Whether an error from a call means "tdxd is not there" (fall back) rather than a refusal. */
bool bus_client_error_is_unreachable(const sd_bus_error *e, int r);

/* Manager.History(); -EHOSTDOWN when tdxd is not reachable, else diag says why. */
int bus_client_history(sd_bus *bus, struct tdx_history **ret, struct tdx_diag *diag);
/*
 * A failed call as diag: -EHOSTDOWN when tdxd cannot be reached (the caller
 * may fall back to --direct), -EACCES when refused, else the daemon's message.
 */
int bus_client_failed(const sd_bus_error *e, int r, const char *what, struct tdx_diag *diag);
/* Manager.Inhibit(); *ret_fd keeps the inhibitor until closed. */
int bus_client_inhibit(sd_bus *bus, const char *who, const char *why, int *ret_fd,
		       struct tdx_diag *diag);

/* What tdxd rendered for a verb: tdxctl prints out and err as they are. */
struct bus_report {
	int exit_status; /* -1 (update only): a plan exists, out is it as JSON */
	char *out;
	char *err;
};
void bus_report_done(struct bus_report *r);

/* Manager.Report(verb, target) with --json, --dry-run, --allow-debug, --reinstall. */
int bus_client_report(sd_bus *bus, const char *verb, const char *target, struct bus_report *ret,
		      struct tdx_diag *diag);
/* Job.Report() of a finished job. */
int bus_client_job_report(sd_bus *bus, const char *job, struct bus_report *ret,
			  struct tdx_diag *diag);
/* Manager.Update(target) with --dry-run, --allow-debug, --reinstall; *ret_job is malloc'ed. */
int bus_client_update(sd_bus *bus, const char *target, char **ret_job, struct tdx_diag *diag);

/*
 * Runs status, list, plan or update in tdxd, or in-process (direct) with
 * --direct; the rules are in tdxctl(8) ("ROUTING"). Returns an exit code.
 */
int route_verb(const char *verb, int argc, char **argv, int (*direct)(int argc, char **argv));

int verb_history(int argc, char **argv);
int verb_inhibit(int argc, char **argv);
/* verb-reboot.c: kured's sentinel command, exit 0 reboot needed, 1 not. */
int verb_reboot_required(int argc, char **argv);
