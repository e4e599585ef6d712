// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Client calls to tdxd. Errors carry the daemon's message in diag, so the
 * verbs print the same one line as for an in-process failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "bus-client.h"
#include "bus-names.h"

int bus_client_open(sd_bus **ret)
{
	int r;

	r = sd_bus_open_system(ret);
	if (r < 0)
		return -EHOSTDOWN; /* no system bus: initramfs, containers */
	return 0;
}

/*
 * Errors of bus activation, whatever the bus daemon and the activator: the
 * spawn errors of dbus-daemon's own activation, and anything systemd answers
 * for a unit that is missing, masked or failed (a not enabled tdxd.service
 * behind a dbus-org.* alias gave "Unit ... not found").
 */
static bool error_is_activation_failure(const sd_bus_error *e)
{
	static const char *const prefixes[] = {"org.freedesktop.DBus.Error.Spawn.",
					       "org.freedesktop.systemd1."};

	if (!sd_bus_error_is_set(e))
		return false;
	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
		if (strncmp(e->name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

bool bus_client_error_is_unreachable(const sd_bus_error *e, int r)
{
	if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
				   SD_BUS_ERROR_NO_SERVER, SD_BUS_ERROR_DISCONNECTED,
				   SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT,
				   "org.freedesktop.DBus.Error.TimedOut") ||
	    error_is_activation_failure(e))
		return true;
	return !sd_bus_error_is_set(e) && (r == -ECONNREFUSED || r == -ENOENT || r == -ENOTCONN ||
					   r == -ECONNRESET || r == -ETIMEDOUT);
}

int bus_client_failed(const sd_bus_error *e, int r, const char *what, struct tdx_diag *diag)
{
	if (bus_client_error_is_unreachable(e, r))
		return tdx_diag_set(diag, -EHOSTDOWN, "%s",
				    sd_bus_error_is_set(e) && e->message ? e->message
									 : strerror(-r));
	if (sd_bus_error_has_names(e, TDX_BUS_ERROR_ACCESS_DENIED, TDX_BUS_ERROR_NOT_AUTHORIZED))
		r = -EACCES;
	return tdx_diag_set(diag, r < 0 ? r : -EIO, "%s: %s", what,
			    e->message ?: e->name ?: strerror(-r));
}

struct pending_call {
	sd_bus_message *reply;
};

static int on_call_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct pending_call *c = userdata;

	c->reply = sd_bus_message_ref(m);
	return 0;
}

/*
 * As sd_bus_call(), but sent at once: sd_bus_call() on a new connection first
 * waits for the bus's answer to Hello, an asynchronous call goes out right
 * behind Hello (and the match of the job's Finished, which stays ahead of it).
 * One round trip less before tdxd sees the call: ~6 ms in the TCG guest
 * (issue 11). The timeout is sd-bus's default, as sd_bus_call()'s; when it
 * expires, the error is sd-bus's NoReply.
 */
int bus_client_call(sd_bus *bus, sd_bus_message *m, sd_bus_error *ret_error,
		    sd_bus_message **ret_reply)
{
	_cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
	struct pending_call c = {};
	int r;

	r = sd_bus_call_async(bus, &slot, m, on_call_reply, &c, 0);
	while (r >= 0 && !c.reply) {
		r = sd_bus_process(bus, NULL);
		/* 0 also after a timeout's callback: then there is nothing left to wait for. */
		if (r == 0 && !c.reply)
			r = sd_bus_wait(bus, UINT64_MAX);
		if (r == -EINTR)
			r = 0;
	}
	if (r >= 0)
		r = sd_bus_error_copy(ret_error, sd_bus_message_get_error(c.reply));
	if (r < 0) {
		sd_bus_message_unref(c.reply);
		return r;
	}
	*ret_reply = c.reply;
	return 1;
}

static int read_record(sd_bus_message *m, struct tdx_history_record *rec)
{
	const char *boot, *from, *to, *sha, *seamldr, *result, *error;
	uint64_t t;
	int32_t before, after;
	int r;

	r = sd_bus_message_read(m, TDX_BUS_HISTORY_RECORD, &boot, &t, &from, &to, &sha, &seamldr,
				&before, &after, &result, &error);
	if (r <= 0)
		return r;
	*rec = (struct tdx_history_record){
		.time_usec = t,
		.remaining_before = before,
		.remaining_after = after,
	};
	tdx_history_set_field(rec->boot_id, sizeof(rec->boot_id), boot);
	tdx_history_set_field(rec->from, sizeof(rec->from), from);
	tdx_history_set_field(rec->to, sizeof(rec->to), to);
	tdx_history_set_field(rec->image_sha256, sizeof(rec->image_sha256), sha);
	tdx_history_set_field(rec->seamldr, sizeof(rec->seamldr), seamldr);
	tdx_history_set_field(rec->result, sizeof(rec->result), result);
	tdx_history_set_field(rec->error, sizeof(rec->error), error);
	return 1;
}

int bus_client_history(sd_bus *bus, struct tdx_history **ret, struct tdx_diag *diag)
{
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	_cleanup_(tdx_history_freep) struct tdx_history *h = NULL;
	struct tdx_history_record rec;
	int r;

	r = sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE, "History", &e,
			       &reply, NULL);
	if (r < 0)
		return bus_client_failed(&e, r, "History", diag);
	r = tdx_history_new(&h);
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', TDX_BUS_HISTORY_RECORD);
	while (r >= 0 && (r = read_record(reply, &rec)) > 0)
		r = tdx_history_append(h, &rec, SIZE_MAX);
	if (r < 0)
		return tdx_diag_set(diag, r, "History: malformed reply: %s", strerror(-r));
	*ret = TAKE_PTR(h);
	return 0;
}

int bus_client_inhibit(sd_bus *bus, const char *who, const char *why, int *ret_fd,
		       struct tdx_diag *diag)
{
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int fd, r;

	r = sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE, "Inhibit", &e,
			       &reply, "ss", who, why);
	if (r < 0)
		return bus_client_failed(&e, r, "Inhibit", diag);
	r = sd_bus_message_read(reply, "h", &fd);
	if (r < 0)
		return tdx_diag_set(diag, r, "Inhibit: malformed reply");
	/* The message owns fd; our copy outlives it. */
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return tdx_diag_set(diag, negative_errno(), "Inhibit: cannot keep the fd");
	*ret_fd = fd;
	return 0;
}

int bus_client_update(sd_bus *bus, const char *target, const struct tdxctl_options *o,
		      char **ret_job, struct tdx_diag *diag)
{
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	const char *job;
	char *copy;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE,
					   "Update");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", target ?: "");
	if (r >= 0)
		r = sd_bus_message_append(m, "a{sv}", 3, "dry_run", "b", o->dry_run, "allow_debug",
					  "b", o->allow_debug, "reinstall", "b", o->reinstall);
	if (r < 0)
		return tdx_diag_set(diag, r, "Update: %s", strerror(-r));
	/*
	 * sd-bus's default timeout (25 s, $SYSTEMD_BUS_TIMEOUT), as for every other
	 * call: tdxctl never asks for interactive authorization, so polkit answers
	 * without a human, and Update returns its job at once. A tdxd that does not
	 * answer must not hang a timer's tdxctl forever; the caller reports the
	 * update's state as unknown then (the call may have started a job).
	 */
	r = bus_client_call(bus, m, &e, &reply);
	if (r < 0 && (r == -ETIMEDOUT ||
		      sd_bus_error_has_names(&e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT,
					     "org.freedesktop.DBus.Error.TimedOut")))
		/* Sent and never answered (or tdxd died on it): not "unreachable". */
		return tdx_diag_set(diag, -ETIMEDOUT, "%s",
				    sd_bus_error_is_set(&e) && e.message ? e.message
									 : strerror(-r));
	if (r < 0)
		return bus_client_failed(&e, r, "Update", diag);
	r = sd_bus_message_read(reply, "o", &job);
	if (r < 0)
		return tdx_diag_set(diag, r, "Update: malformed reply");
	copy = strdup(job);
	if (!copy)
		return tdx_diag_set(diag, -ENOMEM, "out of memory");
	*ret_job = copy;
	return 0;
}
