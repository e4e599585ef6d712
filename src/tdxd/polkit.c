// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Authorization of mutating calls. Root (effective uid of the sender, as the
 * bus daemon reports it) passes at once. Everyone else needs polkit's yes,
 * asked asynchronously so the bus keeps serving while an admin types a
 * password. No polkit on the bus means root only. This follows the contract
 * of systemd's bus-polkit.c on public sd-bus API only: the method call is
 * kept referenced and answered when polkit answers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-names.h"
#include "tdxd.h"

#define POLKIT_TIMEOUT_USEC (120 * USEC_PER_SEC) /* an admin may be typing */

struct auth_pending {
	struct manager *manager;
	sd_bus_message *msg;
	auth_continue_t cb;
	char action[64];
	sd_bus_slot *slot;
};

static void auth_pending_free(struct auth_pending *p)
{
	sd_bus_slot_unref(p->slot);
	sd_bus_message_unref(p->msg);
	free(p);
}

/* Runs the continuation and turns its failure into the method's error reply. */
static void auth_continue(struct auth_pending *p)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = p->cb(p->manager, p->msg, &error);
	if (r >= 0)
		return;
	if (sd_bus_error_is_set(&error))
		(void)sd_bus_reply_method_error(p->msg, &error);
	else
		(void)sd_bus_reply_method_errnof(p->msg, r, "%s", strerror(-r));
}

static int auth_deny(struct auth_pending *p, const char *name, const char *detail)
{
	log_notice("denied %s to %s: %s", p->action, sd_bus_message_get_sender(p->msg), detail);
	return sd_bus_reply_method_errorf(p->msg, name, "%s: %s", p->action, detail);
}

static int auth_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct auth_pending *p = userdata;
	int authorized = 0, challenge = 0, r;

	if (sd_bus_message_is_method_error(reply, NULL)) {
		const sd_bus_error *e = sd_bus_message_get_error(reply);

		if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN,
					   SD_BUS_ERROR_NAME_HAS_NO_OWNER))
			r = auth_deny(p, TDX_BUS_ERROR_ACCESS_DENIED,
				      "only root may do this (polkit is not available)");
		else
			r = auth_deny(p, TDX_BUS_ERROR_ACCESS_DENIED, e->message ?: e->name);
		goto out;
	}
	r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
	if (r >= 0)
		r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
	if (r < 0) {
		r = auth_deny(p, TDX_BUS_ERROR_ACCESS_DENIED, "malformed polkit reply");
		goto out;
	}
	if (authorized)
		auth_continue(p);
	else
		r = auth_deny(p, TDX_BUS_ERROR_NOT_AUTHORIZED,
			      challenge ? "authentication required" : "not authorized by polkit");
out:
	auth_pending_free(p);
	return 0;
}

static int sender_is_root(sd_bus_message *msg, bool *ret)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	uid_t euid;
	int r;

	r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
	if (r < 0)
		return r;
	r = sd_bus_creds_get_euid(creds, &euid);
	if (r < 0)
		return r;
	*ret = euid == 0;
	return 0;
}

int auth_check(struct manager *m, sd_bus_message *msg, const char *action, auth_continue_t cb,
	       sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
	struct auth_pending *p;
	bool root = false;
	int r;

	r = sender_is_root(msg, &root);
	if (r < 0)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_ACCESS_DENIED,
					 "%s: cannot identify the caller: %s", action,
					 strerror(-r));
	if (root)
		return cb(m, msg, error);

	r = sd_bus_message_new_method_call(m->bus, &call, "org.freedesktop.PolicyKit1",
					   "/org/freedesktop/PolicyKit1/Authority",
					   "org.freedesktop.PolicyKit1.Authority",
					   "CheckAuthorization");
	if (r >= 0)
		r = sd_bus_message_append(call, "(sa{sv})s", "system-bus-name", 1, "name", "s",
					  sd_bus_message_get_sender(msg), action);
	if (r >= 0)
		r = sd_bus_message_append(
			call, "a{ss}us", 0,
			sd_bus_message_get_allow_interactive_authorization(msg) ? 1u : 0u, "");
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->manager = m;
	p->msg = sd_bus_message_ref(msg);
	p->cb = cb;
	snprintf(p->action, sizeof(p->action), "%s", action);
	r = sd_bus_call_async(m->bus, &p->slot, call, auth_reply, p, POLKIT_TIMEOUT_USEC);
	if (r < 0) {
		auth_pending_free(p);
		return r;
	}
	return 1; /* answered from auth_reply() */
}
