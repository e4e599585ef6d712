/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The host-wide update lock, shared by tdxd and `tdxctl --direct`. */
#include <stdbool.h>

struct tdx_diag;

#define TDX_LOCK_DEFAULT_PATH "/run/tdxctl/update.lock"
#define TDX_LOCK_PATH_ENV     "TDXCTL_LOCK_PATH"

/* $TDXCTL_LOCK_PATH if set (secure_getenv), else the default. */
const char *tdx_lock_default_path(void);
/*
 * flock(LOCK_EX) on path (created 0600 with its directory). wait=false gives
 * -EWOULDBLOCK when another update holds it. *ret_fd keeps the lock until closed.
 */
int tdx_lock_acquire(const char *path, bool wait, int *ret_fd);
/* "<directory of lock_path>/name" (lock_path NULL: the default), malloc'ed. */
int tdx_lock_sibling_path(const char *lock_path, const char *name, char **ret);

/*
 * Inhibitors (a VMM building or migrating a TD): each holder keeps a shared
 * flock on TDX_INHIBIT_FILE beside the update lock. tdxd holds one while any
 * D-Bus inhibitor is held, `tdxctl inhibit` without tdxd holds its own, and
 * every update (daemon or --direct) probes it before writing, so no path
 * can update past an inhibitor. lock_path NULL: tdx_lock_default_path().
 */
#define TDX_INHIBIT_FILE "inhibit.lock"
int tdx_inhibit_path(const char *lock_path, char **ret);
/*
 * Takes a shared lock on the inhibit file; *ret_fd holds the inhibitor until
 * closed. Never waits: -EBUSY (diag names the running hop) while an update
 * blocks inhibitors.
 */
int tdx_inhibit_hold(const char *lock_path, int *ret_fd, struct tdx_diag *diag);
/*
 * An update, from its last check until its hop is classified: exclusive lock
 * on the inhibit file, so no inhibitor is granted while a byte may still
 * reach the kernel. -EBUSY when an inhibitor is held. what ("1.5.06 ->
 * 1.5.08, hop 1 of 2, pid 42") is stored in the file for refused inhibitors.
 */
int tdx_inhibit_block(const char *lock_path, const char *what, int *ret_fd);
/* Ends tdx_inhibit_block(); returns -EBADF for the caller's fd variable. */
int tdx_inhibit_unblock(int fd);
static inline void tdx_inhibit_unblockp(int *fd)
{
	tdx_inhibit_unblock(*fd);
}
