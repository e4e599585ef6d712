/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Typed views of status, list, plan and update, built from explicit inputs
 * (struct tdx_view_input: nothing here reads a global or the environment),
 * and their JSON documents (the --json output of tdxctl(8), the documents
 * tdxd serves, tdxctl-dbus(5)). tdxctl --direct builds them in-process, tdxd
 * from its cache; tdxctl renders text and JSON from the documents only, so
 * both routes print the same by construction.
 *
 * The safety rules the views share are written here once: the hop budget
 * (tdx_update_budget), the policy facts of a host (tdx_policy_host_from_host)
 * and the best update.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include <tdx/diag.h>
#include <tdx/fwupload.h>
#include <tdx/host.h>
#include <tdx/inhibit-keys.h>
#include <tdx/plan.h>
#include <tdx/policy.h>
#include <tdx/store.h>
#include <tdx/update.h>

/* One vocabulary for what an update came to: a hop, a plan, a job, a document. */
enum tdx_update_result {
	/* The outcomes of an attempted hop, in the order of enum tdx_update_outcome. */
	TDX_RESULT_SUCCESS,
	TDX_RESULT_REFUSED,
	TDX_RESULT_BUSY,
	TDX_RESULT_FATAL,
	TDX_RESULT_TIMEOUT,
	TDX_RESULT_IO_ERROR,
	/* Before or without an attempt. */
	TDX_RESULT_UP_TO_DATE,
	TDX_RESULT_NO_PLAN,
	TDX_RESULT_PLANNED,	     /* a plan exists, nothing done yet */
	TDX_RESULT_CHECKED,	     /* tdxctl --dry-run: every check passed */
	TDX_RESULT_DRY_RUN_PASSED,   /* the same for a job (Job.Result, history) */
	TDX_RESULT_VETOED,	     /* an inhibitor or a pre-update hook said no */
	TDX_RESULT_PREFLIGHT_FAILED, /* another pre-flight check failed */
	TDX_RESULT_FAILED,	     /* the run stopped before a hop had a result */
	_TDX_RESULT_MAX,
	_TDX_RESULT_INVALID = -EINVAL,
};
const char *tdx_update_result_to_string(enum tdx_update_result r);
enum tdx_update_result tdx_update_result_from_string(const char *s);
enum tdx_update_result tdx_update_result_of_outcome(enum tdx_update_outcome o);
/* success, checked, dry-run-passed, up-to-date: nothing went wrong. */
bool tdx_update_result_is_ok(enum tdx_update_result r);

/*
 * The hop budget: update slots usable after the reserve, UINT_MAX when the
 * count is unreadable (pre-flight re-reads it under the lock). The one place
 * this safety rule is written.
 */
unsigned tdx_update_budget(const struct tdx_host *h, unsigned reserve);
/* The policy's facts about a host: running (zero when unreadable), P-SEAMLDR, CPU. */
void tdx_policy_host_from_host(const struct tdx_host *h, uint32_t cpu_signature,
			       struct tdx_policy_host *ret);

/* What every view is computed from. */
struct tdx_view_input {
	const struct tdx_host *host;
	int cpu_err; /* 0, or why cpu_signature is unknown */
	uint32_t cpu_signature;
	struct tdx_store *store; /* NULL: unusable, store_error says why (without the path) */
	const char *store_path;
	const char *store_error;
	struct tdx_policy_opts policy;
	unsigned reserve;
	int fw_status_err; /* status: 0 or why fw_status is unknown */
	enum tdx_fw_status fw_status;
	const struct tdx_inhibit_keys *held_keys; /* status: named inhibitors; NULL: none */
};

/* The plan to target (NULL: newest) within the budget; tdx_plan_compute()'s errors. */
int tdx_view_plan_compute(const struct tdx_view_input *in, const struct tdx_version *target,
			  struct tdx_plan *ret, struct tdx_diag *diag);
/*
 * The store for a plan to target, without a scan when it can be done: the
 * target is looked up by name (tdx_store_lookup()) and the lookup is kept
 * when it plans the one hop a scan plans too. Returns 1 and the store in
 * *ret (in->store is left as it was); 0 when only a scan can decide (a
 * chain, a refusal, the target not found, no target, an unusable store),
 * or a negative errno (out of memory).
 */
int tdx_view_lookup_target(const struct tdx_view_input *in, const char *root,
			   const struct tdx_version *target, struct tdx_store **ret);
/* The result a planning error comes to: up-to-date, no-plan (policy, path, budget) or refused. */
enum tdx_update_result tdx_plan_error_result(int err);

/* status: the host, the CPU, fw_upload, the store, the best update and the held keys. */
json_object *tdx_view_status(const struct tdx_view_input *in);
/*
 * Named inhibitors (inhibit-keys.h) as status and `inhibit --list` show
 * them: [{key, who, why, uid, expires_usec}], expires_usec on CLOCK_REALTIME
 * (null for an unreadable key file, held with no known expiry). keys NULL:
 * an empty array.
 */
json_object *tdx_view_held_inhibitors(const struct tdx_inhibit_keys *keys);

/* list: every store version with its verdict. -ENOENT without a store. */
int tdx_view_list(const struct tdx_view_input *in, json_object **ret);
/*
 * The same document written to f as it goes, without building it (view-list.c):
 * the bytes of tdx_view_list()'s document serialised by json-c with
 * JSON_C_TO_STRING_NOSLASHESCAPE (| _PRETTY for TDX_JSON_WRITE_PRETTY) and
 * made valid UTF-8 (tdx_utf8_sanitize). For stores of thousands of images:
 * no tree, memory independent of the store size. -ENOENT without a store
 * (nothing written), -ENOMEM, -EIO when f failed (part may be written).
 */
int tdx_view_list_write(const struct tdx_view_input *in, FILE *f, unsigned json_write_flags);

/*
 * The list document without a tree of every candidate, for a text renderer:
 * fn gets each candidate's object (as in the document, newest first; freed
 * after the call, a negative return stops), then *ret is the document with
 * "candidates" empty and *ret_n the number of candidates. -ENOENT without a store.
 */
typedef int (*tdx_view_candidate_fn)(json_object *candidate, void *userdata);
int tdx_view_list_each(const struct tdx_view_input *in, tdx_view_candidate_fn fn, void *userdata,
		       json_object **ret, size_t *ret_n);

/* What the list document shows: the candidates with their verdicts, and the running version. */
struct tdx_view_list_items {
	struct tdx_candidate *cands; /* malloc'ed; entries point into in->store */
	size_t n;
	const struct tdx_version *running; /* NULL unless the module is running */
};
/* Evaluates every store entry for list; -ENOENT without a store. */
int tdx_view_list_evaluate(const struct tdx_view_input *in, struct tdx_view_list_items *ret);
/* "<store path>: <why>", the line list and update show for an unusable store. */
void tdx_view_store_error(const struct tdx_view_input *in, char *buf, size_t size);

/*
 * plan: the plan document {from, to, hops, budget, result, error}. With
 * error set (a refusal is a decision too) the plan is empty and result says
 * which: no-plan or refused.
 */
json_object *tdx_view_plan(const struct tdx_view_input *in, const struct tdx_plan *plan,
			   enum tdx_update_result result, const char *error);
/* Plans (as tdx_view_plan_compute) and returns its document; the error prefixed with what. */
json_object *tdx_view_plan_for(const struct tdx_view_input *in, const struct tdx_version *target,
			       const char *what);

/* update: the result document {dry_run, result, hops, plan, error, upload_timeout_s}. */
struct tdx_update_view {
	const struct tdx_view_input *in;
	const struct tdx_plan *plan; /* NULL: refused before a plan existed */
	bool dry_run;
	enum tdx_update_result result;
	const struct tdx_hop_result *results;
	size_t n_results;
	const char *error; /* why it stopped, NULL when it did not */
	uint64_t upload_timeout_usec;
};
json_object *tdx_view_update(const struct tdx_update_view *u);
/* What a run of tdx_update_run_plan() came to (CLI words: checked, refused). */
enum tdx_update_result tdx_update_result_of_run(const struct tdx_hop_result *results, size_t done,
						int err, bool dry_run);

/*
 * Before an update: runtime update supported, fw_upload writable (not for a
 * dry run), a slot above the reserve, then the plan. Returns PLANNED with
 * *ret set, UP_TO_DATE, or REFUSED/NO_PLAN with error holding the line to
 * show ("update refused: ...").
 */
enum tdx_update_result tdx_view_update_check(const struct tdx_view_input *in,
					     const struct tdx_version *target, bool dry_run,
					     struct tdx_plan *ret, char *error, size_t error_size);
/* The update document of tdx_view_update_check()'s verdict when it is not PLANNED. */
json_object *tdx_view_update_verdict(const struct tdx_view_input *in, bool dry_run,
				     enum tdx_update_result result, const char *error);
