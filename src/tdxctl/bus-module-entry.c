// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one symbol tdxctl-bus.so exports (bus-module.h): the bus back-end and
 * the other calls to tdxd and the journal that need libsystemd. Built with
 * hidden visibility; its copies of the library and of bus-client.c are its
 * own.
 */
#include <errno.h>
#include <systemd/sd-journal.h>

#include "bus-client.h"
#include "bus-module.h"
#include "bus-names.h"

static int history(struct tdx_history **ret, struct tdx_diag *diag)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r = bus_client_open(&bus);

	return r < 0 ? r : bus_client_history(bus, ret, diag);
}

static int inhibit(const char *who, const char *why, int *ret_fd, struct tdx_diag *diag)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r = bus_client_open(&bus);

	return r < 0 ? r : bus_client_inhibit(bus, who, why, ret_fd, diag);
}

static int hold_key(const struct tdxctl_options *o, uint64_t *ret_expires_realtime,
		    struct tdx_diag *diag)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int r;

	r = bus_client_open(&bus);
	if (r < 0)
		return r;
	r = sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE, "HoldInhibitor", &e,
			       &reply, "sssu", o->inhibit_hold, o->inhibit_who,
			       o->inhibit_why ?: "", o->inhibit_ttl_sec);
	if (r < 0)
		return bus_client_failed(&e, r, "HoldInhibitor", diag);
	r = sd_bus_message_read(reply, "t", ret_expires_realtime);
	if (r < 0)
		return tdx_diag_set(diag, r, "HoldInhibitor: malformed reply");
	return 0;
}

static int release_key(const struct tdxctl_options *o, bool *ret_was_held, struct tdx_diag *diag)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int was_held, r;

	r = bus_client_open(&bus);
	if (r < 0)
		return r;
	r = sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE, "ReleaseInhibitor",
			       &e, &reply, "s", o->inhibit_release);
	if (r < 0)
		return bus_client_failed(&e, r, "ReleaseInhibitor", diag);
	r = sd_bus_message_read(reply, "b", &was_held);
	if (r < 0)
		return tdx_diag_set(diag, r, "ReleaseInhibitor: malformed reply");
	*ret_was_held = was_held;
	return 0;
}

/* As tdxd logs them, so `journalctl MESSAGE_ID=` finds a key whichever path handled it. */
static void journal_key(const char *message_id, const char *verb, const struct tdx_inhibit_key *k)
{
	(void)sd_journal_send("MESSAGE=inhibitor key %s %s (who=%s, why=%s)", k->key, verb, k->who,
			      k->why, "MESSAGE_ID=%s", message_id, "TDX_INHIBIT_KEY=%s", k->key,
			      "TDX_INHIBIT_WHO=%s", k->who, "TDX_INHIBIT_WHY=%s", k->why,
			      "SYSLOG_IDENTIFIER=tdxctl", NULL);
}

__attribute__((visibility("default"))) const struct tdxctl_bus_module tdxctl_bus_module = {
	.version = PACKAGE_VERSION,
	.backend_size = sizeof(struct backend),
	.set_core = backend_bus_set_core,
	.backend_open = backend_bus_open,
	.history = history,
	.inhibit = inhibit,
	.hold_key = hold_key,
	.release_key = release_key,
	.journal_key = journal_key,
};
