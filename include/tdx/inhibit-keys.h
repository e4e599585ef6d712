/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Named inhibitors with a lifetime ("held keys"), for holders that cannot
 * keep an fd open through a TD build: libvirt's hooks are short-lived
 * processes run at `prepare` and `started`, and QEMU builds the TD between
 * the two. Each key is one file in TDX_INHIBIT_KEYS_DIR beside the update
 * lock (/run/tdxctl/inhibit.d/KEY), written atomically, so tdxd, `tdxctl
 * --direct` and the timer see the same keys, and a tdxd restart keeps them.
 *
 * Expiry is measured on CLOCK_BOOTTIME and bound to the boot id, so a
 * changed wall clock neither frees nor prolongs a key, suspend counts, and a
 * key from an earlier boot is void even where /run survives.
 *
 * Against updates the keys use the inhibit file's flock (lock.h): a hold
 * takes it shared while it writes the key, an update takes it exclusively
 * before it reads the keys. So a key is either visible to the update's
 * check or refused with the hop named; never granted while a byte may still
 * reach the kernel.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/diag.h>

#define TDX_INHIBIT_KEYS_DIR "inhibit.d"
#define TDX_INHIBIT_KEY_MAX  128   /* [A-Za-z0-9_.:@-], not starting with '.' */
#define TDX_INHIBIT_WHO_MAX  256   /* as Inhibit()'s who */
#define TDX_INHIBIT_WHY_MAX  1024  /* as Inhibit()'s why */
#define TDX_INHIBIT_KEYS_MAX 1024u /* keys on a host: each is a file in /run */
#define TDX_BOOT_ID_MAX	     33

/* The default [Inhibit] MaxHoldSec=: a lost release blocks updates at most this long. */
#define TDX_INHIBIT_DEFAULT_MAX_HOLD_USEC (3600 * USEC_PER_SEC)

/* A point in time as the keys measure it. tdx_inhibit_now() reads the real one. */
struct tdx_inhibit_now {
	uint64_t boottime_usec;
	uint64_t realtime_usec;
	char boot_id[TDX_BOOT_ID_MAX];
};
int tdx_inhibit_now(struct tdx_inhibit_now *ret);

struct tdx_inhibit_key {
	char key[TDX_INHIBIT_KEY_MAX + 1];
	char who[TDX_INHIBIT_WHO_MAX + 1];
	char why[TDX_INHIBIT_WHY_MAX + 1];
	uint32_t uid;			/* who asked: tdxd's caller, or root for --direct */
	uint64_t expires_usec;		/* CLOCK_BOOTTIME */
	uint64_t left_usec;		/* at the time of the listing */
	uint64_t expires_realtime_usec; /* the same instant on CLOCK_REALTIME, for display */
	bool unreadable;		/* a file we cannot parse: held, with no expiry known */
};

/* Returns 0 for a valid key name, -EINVAL with diag naming the fault otherwise. */
int tdx_inhibit_key_validate(const char *key, struct tdx_diag *diag);

/* lock_path NULL: tdx_lock_default_path(). *ret: "<dir of lock_path>/inhibit.d". */
int tdx_inhibit_keys_dir(const char *lock_path, char **ret);

struct tdx_inhibit_hold_req {
	const char *key;
	const char *who;
	const char *why;
	uint32_t uid;
	uint64_t ttl_usec;     /* > 0 */
	uint64_t max_ttl_usec; /* [Inhibit] MaxHoldSec=: a longer ttl is cut to this */
};

/*
 * Holds req->key until now + ttl (cut to max_ttl_usec), or extends it: a
 * second hold never shortens a key, it moves the expiry to the later of the
 * two and records the new who/why. *ret gets the key as held.
 * -EBUSY (diag names the hop) while an update may still write to the kernel,
 * -EUSERS beyond TDX_INHIBIT_KEYS_MAX, -EINVAL for a bad key/who/why/ttl.
 * now NULL: tdx_inhibit_now().
 */
int tdx_inhibit_key_hold(const char *lock_path, const struct tdx_inhibit_hold_req *req,
			 const struct tdx_inhibit_now *now, struct tdx_inhibit_key *ret,
			 struct tdx_diag *diag);

/* Returns 1 when the key was held and is released now, 0 when it was not held. */
int tdx_inhibit_key_release(const char *lock_path, const char *key, struct tdx_diag *diag);

/* Reads one key (0), or -ENOENT when it is not held or has expired. */
int tdx_inhibit_key_get(const char *lock_path, const char *key, const struct tdx_inhibit_now *now,
			struct tdx_inhibit_key *ret, struct tdx_diag *diag);

struct tdx_inhibit_keys {
	struct tdx_inhibit_key *held; /* sorted by key */
	size_t n_held;
	struct tdx_inhibit_key *expired; /* removed by a sweep; empty for a plain listing */
	size_t n_expired;
};
void tdx_inhibit_keys_done(struct tdx_inhibit_keys *k);

/*
 * Lists the keys held at now. Expired keys (and keys of another boot) are
 * left out; sweep=true also removes their files and returns them in
 * ->expired, for the caller to log. A missing directory is no key.
 */
int tdx_inhibit_keys_list(const char *lock_path, const struct tdx_inhibit_now *now, bool sweep,
			  struct tdx_inhibit_keys *ret, struct tdx_diag *diag);

/*
 * For the pre-flight check, with the inhibit file held exclusively: 0 when
 * no key is held, -EBUSY with diag naming the first key (who, why, time
 * left) and how many more otherwise. Removes nothing.
 */
int tdx_inhibit_keys_check(const char *lock_path, const struct tdx_inhibit_now *now,
			   struct tdx_diag *diag);

/*
 * Parses the text of a key file (modified in place) into k; boot_id
 * (TDX_BOOT_ID_MAX) gets the boot it was written in. -EINVAL: not a key file.
 */
int tdx_inhibit_key_parse(char *text, struct tdx_inhibit_key *k, char *boot_id);

/* "9m 59s", "1h 0m", "12s": a short time left for humans. */
char *tdx_format_timespan(uint64_t usec, char *buf, size_t size);
#define TDX_TIMESPAN_MAX 32
