/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The host-wide update lock, shared by tdxd and `tdxctl --direct`. */
#include <stdbool.h>

#define TDX_LOCK_DEFAULT_PATH "/run/tdxctl/update.lock"
#define TDX_LOCK_PATH_ENV     "TDXCTL_LOCK_PATH"

/* $TDXCTL_LOCK_PATH if set (secure_getenv), else the default. */
const char *tdx_lock_default_path(void);
/*
 * flock(LOCK_EX) on path (created 0600 with its directory). wait=false gives
 * -EWOULDBLOCK when another update holds it. *ret_fd keeps the lock until closed.
 */
int tdx_lock_acquire(const char *path, bool wait, int *ret_fd);

/*
 * Inhibitors (a VMM building or migrating a TD): each holder keeps a shared
 * flock on TDX_INHIBIT_FILE beside the update lock. tdxd holds one while any
 * D-Bus inhibitor is held, `tdxctl inhibit` without tdxd holds its own, and
 * every update (daemon or --direct) probes it before writing, so no path
 * can update past an inhibitor. lock_path NULL: tdx_lock_default_path().
 */
#define TDX_INHIBIT_FILE "inhibit.lock"
int tdx_inhibit_path(const char *lock_path, char **ret);
/* Takes a shared lock on the inhibit file; *ret_fd holds the inhibitor until closed. */
int tdx_inhibit_hold(const char *lock_path, int *ret_fd);
/* 0 when no inhibitor is held, -EBUSY when one is, other -errno on I/O errors. */
int tdx_inhibit_probe(const char *lock_path);
