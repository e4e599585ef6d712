/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One update hop and a whole plan, end to end: lock, re-read the host under
 * the lock, pre-flight, load and validate the image once, upload those same
 * bytes, classify and verify. Used unchanged by `tdxctl --direct` and tdxd.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tdx/fwupload.h>
#include <tdx/hash.h>
#include <tdx/host.h>
#include <tdx/plan.h>
#include <tdx/policy.h>
#include <tdx/preflight.h>
#include <tdx/store.h>

#define TDX_DEFAULT_RESERVE 1u

struct tdx_hop_result;

struct tdx_update_ctx {
	struct tdx_host *host; /* refreshed by every hop */
	struct tdx_store *store;
	struct tdx_policy_host policy_host; /* running/seamldr updated from host each hop */
	struct tdx_policy_opts policy;
	unsigned reserve;	/* update slots never used; default 1 */
	const char *lock_path;	/* NULL: tdx_lock_default_path() */
	bool lock_wait;		/* wait for the lock instead of failing */
	uint64_t young_td_usec; /* [Inhibit] YoungTdSec= (young-td.h); 0: off */
	struct tdx_fwupload_opts fw;
	/* Optional veto (inhibitors, hooks): non-zero refuses with diag set. */
	int (*veto)(void *ud, const struct tdx_store_entry *e, struct tdx_diag *diag);
	void *veto_ud;
	/*
	 * Optional: called after pre-flight passed, just before the first byte
	 * is written (tdxd records the attempt as in progress, so a crash
	 * cannot lose it). Non-zero refuses the hop, nothing written.
	 */
	int (*before_write)(void *ud, const struct tdx_hop_result *res, struct tdx_diag *diag);
	void *before_write_ud;
	/* Optional: I/O override for the engine (tests); NULL uses sysfs. */
	const struct tdx_fwupload_io *io;
	void *io_ud;
};

struct tdx_hop_result {
	struct tdx_version from;
	struct tdx_version to;
	struct tdx_preflight preflight;
	bool attempted; /* bytes were written to the kernel */
	enum tdx_update_outcome outcome;
	struct tdx_fwupload_result fw;
	uint32_t remaining_before;
	bool remaining_after_known;
	uint32_t remaining_after;
	bool converted; /* the image was re-packed to the kernel's format */
	enum tdx_image_format format;
	uint8_t image_sha256[TDX_SHA256_SIZE];
	uint8_t seamhash[TDX_SEAMHASH_SIZE];
	uint16_t seam_svn;
	uint32_t build_date;
};

/* Fills ctx->policy_host from ctx->host and the CPU signature. */
int tdx_update_ctx_init_policy_host(struct tdx_update_ctx *ctx, uint32_t cpu_signature);

/*
 * Runs one hop to e. Returns 0 when pre-flight passed (dry_run stops there)
 * and, if not dry_run, an outcome was reached (see ret->outcome). Returns
 * -errno with diag naming the failed check when pre-flight failed; then
 * nothing was written. ret is filled in both cases.
 */
int tdx_update_run_hop(struct tdx_update_ctx *ctx, struct tdx_store_entry *e, bool dry_run,
		       struct tdx_hop_result *ret, struct tdx_diag *diag);

/*
 * Runs every hop of plan in order, stopping at the first that does not
 * succeed. A fatal outcome is never followed by anything. ret_results gets
 * plan->n_hops entries (malloc'ed), *ret_done how many ran.
 */
int tdx_update_run_plan(struct tdx_update_ctx *ctx, const struct tdx_plan *plan, bool dry_run,
			void (*hop_done)(void *ud, const struct tdx_hop_result *r), void *ud,
			struct tdx_hop_result **ret_results, size_t *ret_done,
			struct tdx_diag *diag);
