/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * tdxctl's calls to org.tdxctl.tdx1 (see tdxctl-dbus(5)) that are not view
 * documents: History (the library's history struct, as the in-process path
 * reads it), Inhibit and Update. "Not reachable" (no bus, no tdxd, not
 * activatable) is -EHOSTDOWN so verbs can fall back to the library.
 */
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include <tdx/history.h>
#include "verbs.h"

/* The system bus. -EHOSTDOWN when there is none. */
int bus_client_open(sd_bus **ret);
/* sd_bus_call() with the default timeout, sent without waiting for the bus's answer to Hello. */
int bus_client_call(sd_bus *bus, sd_bus_message *m, sd_bus_error *ret_error,
		    sd_bus_message **ret_reply);
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
/* Manager.Update(target) with --dry-run, --allow-debug, --reinstall; *ret_job is malloc'ed. */
int bus_client_update(sd_bus *bus, const char *target, const struct tdxctl_options *o,
		      char **ret_job, struct tdx_diag *diag);
