/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * transient-unit.c: one command in a transient systemd service, as
 * `systemd-run --wait --pipe` does it, so that hooks and the FleetLock
 * helper get their own sandbox instead of tdxd's (no network, read-only
 * system). Called from a job's worker thread and at start; each run uses its
 * own system bus connection, whose reference (AddRef=) keeps the unit until
 * its result is read and lets systemd collect it when the connection closes.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/tdxd-conf.h>

struct transient_unit {
	const char *prefix;	 /* the unit is <prefix>-<16 hex>.service */
	const char *description; /* Description= */
	const char *path;	 /* ExecStart='s executable */
	char **argv;		 /* argv[0] first, NULL terminated */
	char **env;		 /* Environment= "KEY=value", NULL terminated; may be NULL */
	int stdin_fd;		 /* the Standard*FileDescriptor=; -1: systemd's default */
	int stdout_fd;
	int stderr_fd;
	const struct tdx_hooks_profile *profile; /* the sandbox properties */
	bool dynamic_user;			 /* DynamicUser=yes (the FleetLock helper) */
	uint64_t timeout_usec; /* then the unit is killed (SIGKILL, every process) */
	/* Called when drain_fd is readable (-1: none); returns false at its end. */
	bool (*drain)(void *userdata);
	void *drain_userdata;
	int drain_fd;
};

/*
 * Starts the unit and waits for its main process. 0: it exited, and
 * *ret_wait_status is a waitpid()-style status from ExecMainCode= and
 * ExecMainStatus= (a process it left behind is stopped with the unit and
 * does not count). 1: it ran past timeout_usec and was killed. -errno with
 * diag: no unit or no process (the bus refused, systemd could not spawn it).
 */
int transient_unit_run(const struct transient_unit *u, int *ret_wait_status, struct tdx_diag *diag);

/* True when systemd manages this host and tdxd uses the host's system bus. */
bool transient_unit_available(void);
