/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The checks that must all pass before one byte goes to fw_upload. Each has
 * its own message. None of the fatal ones can be skipped by any option.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/fwupload.h>
#include <tdx/image.h>

enum tdx_check {
	TDX_CHECK_MODULE_RUNNING = 0, /* version readable (not lost, host present) */
	TDX_CHECK_UPDATE_SUPPORTED,   /* seamldr attributes and fw_upload present */
	TDX_CHECK_CPUS_ONLINE,	      /* online == present: offline CPUs make the update fatal */
	TDX_CHECK_UPDATES_LEFT,	      /* num_remaining_updates > reserve (and > 0 always) */
	TDX_CHECK_FWUPLOAD_IDLE,      /* status idle: no other upload running */
	TDX_CHECK_LOCK,		      /* host-wide update lock held */
	TDX_CHECK_POLICY,	      /* the hop is allowed from the version running now */
	TDX_CHECK_IMAGE,	      /* image valid for this kernel's format, checksum, seamhash */
	TDX_CHECK_SIGNATURE,	      /* RSA signature of those bytes verifies, by a trusted key */
	TDX_CHECK_VETO,		      /* daemon: inhibitors and pre-update hooks */
	TDX_CHECK_COUNT,
};

struct tdx_check_result {
	bool ran;
	bool passed;
	int err;		/* -errno when !passed */
	char msg[TDX_DIAG_MAX]; /* why it failed, or a short confirmation ("2 of 2 CPUs online") */
};

struct tdx_preflight {
	struct tdx_check_result checks[TDX_CHECK_COUNT];
};

const char *tdx_check_to_string(enum tdx_check c); /* snake_case: "cpus_online" */
/* True when every check that ran passed and at least one ran. */
bool tdx_preflight_passed(const struct tdx_preflight *p);
/* The first failed check, or TDX_CHECK_COUNT. */
enum tdx_check tdx_preflight_first_failure(const struct tdx_preflight *p);

/*
 * The checks themselves (added by the engine owner). Each fills r (ran,
 * passed, err, msg) and returns r->err: 0 when passed, -errno otherwise.
 * tdx_update_run_hop() runs all of them; they are public so that `plan`
 * and the daemon can show the same verdicts without updating.
 */
struct tdx_host;
struct tdx_store_entry;
struct tdx_policy_host;
struct tdx_policy_opts;

/* Marks every check as not run. */
void tdx_preflight_init(struct tdx_preflight *p);

int tdx_check_module_running(const struct tdx_host *h, struct tdx_check_result *r);
int tdx_check_update_supported(const struct tdx_host *h, struct tdx_check_result *r);
int tdx_check_cpus_online(const struct tdx_host *h, struct tdx_check_result *r);
/* remaining > reserve, and never 0: with no slot left the update kills every TD. */
int tdx_check_updates_left(const struct tdx_host *h, unsigned reserve, struct tdx_check_result *r);
/* status read through the engine's I/O, so tests and the real upload see the same device. */
int tdx_check_fwupload_idle(const struct tdx_fwupload_io *io, void *ud, struct tdx_check_result *r);
/* lock_err: the result of tdx_lock_acquire() (0 when held). */
int tdx_check_lock(int lock_err, const char *lock_path, struct tdx_check_result *r);
/* tdx_policy_check_hop() from host->running, the version read under the lock. */
int tdx_check_policy(struct tdx_store_entry *e, const struct tdx_policy_host *host,
		     const struct tdx_policy_opts *opts, struct tdx_check_result *r);
/*
 * Loads and fully validates e's image in the format want (converting in
 * memory when needed). On success the caller owns *ret_data: these are the
 * bytes to write, and ret_img points into them.
 */
int tdx_check_image(const struct tdx_store_entry *e, enum tdx_image_format want, uint8_t **ret_data,
		    size_t *ret_size, struct tdx_image *ret_img, bool *ret_converted,
		    struct tdx_check_result *r);
/*
 * The signature of the image that passed tdx_check_image() (img NULL: that
 * check failed, and this one fails as "not checked"), against the trusted keys (NULL: Intel's
 * production key). Without it the P-SEAMLDR would refuse the image only after
 * the running module is shut down: every TD lost.
 */
struct tdx_trusted_keys;
int tdx_check_signature(const struct tdx_image *img, const struct tdx_trusted_keys *trusted,
			struct tdx_check_result *r);
/* veto may be NULL (nothing to ask: passes). */
/*
 * Refuses when an inhibitor holds the inhibit file beside lock_path (lock.h);
 * when it passes, *ret_block_fd blocks new inhibitors until
 * tdx_inhibit_unblock(): the caller keeps it until the hop is classified.
 */
int tdx_check_inhibitors(const char *lock_path, const char *what, int *ret_block_fd,
			 struct tdx_check_result *r);
/*
 * After tdx_check_inhibitors() passed: [Inhibit] YoungTdSec= (young-td.h),
 * young_usec 0 passes. On a refusal *block_fd is released.
 */
int tdx_check_young_tds(const char *sysfs_root, uint64_t young_usec, int *block_fd,
			struct tdx_check_result *r);
int tdx_check_veto(int (*veto)(void *ud, const struct tdx_store_entry *e, struct tdx_diag *diag),
		   void *ud, const struct tdx_store_entry *e, struct tdx_check_result *r);
