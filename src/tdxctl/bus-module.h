/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The bus back-end of tdxctl lives in a private shared object,
 * tdxctl-bus.so, which links libsystemd; tdxctl itself does not. Only a verb
 * that talks to tdxd (or writes the journal) loads it, so --direct and the
 * blob and mapping verbs never map libsystemd and what it pulls in (libcap,
 * libgcrypt, liblzma, libzstd, liblz4, libgpg-error): about 38 ms of every
 * run in the TCG guest (issue 11).
 *
 * tdxctl looks for the module next to its own executable first (the build
 * tree), then in the private libdir it was configured with
 * (TDXCTL_MODULE_DIR, e.g. /usr/lib/x86_64-linux-gnu/tdxctl). Module and
 * executable must come from the same build: the table carries the version
 * and the size of struct backend, and a mismatch is refused.
 *
 * Every call opens the system bus itself and returns -EHOSTDOWN when tdxd
 * cannot be reached, as bus-client.h does; a module that cannot be loaded
 * counts as "not reachable" too, with diag naming the file and the reason.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tdx/history.h>
#include <tdx/inhibit-keys.h>

#include "backend.h"
#include "verbs.h"

#define TDXCTL_BUS_MODULE_FILE	 "tdxctl-bus.so"
#define TDXCTL_BUS_MODULE_SYMBOL "tdxctl_bus_module"

/*
 * What the module borrows from tdxctl: json-c. tdxctl links it statically, so
 * the module maps no second copy (libjson-c.so, one more object to load over
 * the guest's 9p root; issue 11) and every document is made and freed by the
 * same json-c.
 */
struct tdxctl_bus_core {
	/* One JSON object and nothing after it: 0, -EBADMSG or -ENOMEM. */
	int (*parse_document)(const char *text, size_t size, json_object **ret);
	/* "FROM -> TO" of the plan in an update document (the progress label). */
	void (*plan_label)(json_object *doc, char *buf, size_t size);
};

struct tdxctl_bus_module {
	const char *version; /* PACKAGE_VERSION of the build */
	size_t backend_size; /* sizeof(struct backend) of the build */
	/* Called once, before anything else: tdxctl's side of the module. */
	void (*set_core)(const struct tdxctl_bus_core *core);
	/* backend.h's bus back-end (backend-bus.c). */
	int (*backend_open)(struct backend *b);
	/* Manager.History(). */
	int (*history)(struct tdx_history **ret, struct tdx_diag *diag);
	/* Manager.Inhibit(); *ret_fd holds the inhibitor. */
	int (*inhibit)(const char *who, const char *why, int *ret_fd, struct tdx_diag *diag);
	/* Manager.HoldInhibitor(o->inhibit_hold, who, why, ttl) and ReleaseInhibitor(). */
	int (*hold_key)(const struct tdxctl_options *o, uint64_t *ret_expires_realtime,
			struct tdx_diag *diag);
	int (*release_key)(const struct tdxctl_options *o, bool *ret_was_held,
			   struct tdx_diag *diag);
	/* A journal entry for a named inhibitor handled without tdxd (tdxctl-vmm(7)). */
	void (*journal_key)(const char *message_id, const char *verb,
			    const struct tdx_inhibit_key *k);
};

/* The module's side (backend-bus.c). */
void backend_bus_set_core(const struct tdxctl_bus_core *core);

/* tdxctl's side (bus-module.c): loads the module once; -EHOSTDOWN with diag when it cannot. */
int bus_module_get(const struct tdxctl_bus_module **ret, struct tdx_diag *diag);
int bus_module_history(struct tdx_history **ret, struct tdx_diag *diag);
int bus_module_inhibit(const char *who, const char *why, int *ret_fd, struct tdx_diag *diag);
int bus_module_hold_key(const struct tdxctl_options *o, uint64_t *ret_expires_realtime,
			struct tdx_diag *diag);
int bus_module_release_key(const struct tdxctl_options *o, bool *ret_was_held,
			   struct tdx_diag *diag);
/* Best effort: nothing is logged when the module cannot be loaded. */
void bus_module_journal_key(const char *message_id, const char *verb,
			    const struct tdx_inhibit_key *k);
