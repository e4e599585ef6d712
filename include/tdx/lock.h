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
