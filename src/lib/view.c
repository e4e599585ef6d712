// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The views of status, list, plan and update (view.h). The documents keep
 * the keys tdxctl(8) documents for --json; json.c builds their parts.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio-internal.h"
#include <tdx/json.h>
#include <tdx/string-table.h>
#include <tdx/sysfs.h>
#include <tdx/view.h>

static const char *const tdx_update_result_table[_TDX_RESULT_MAX] = {
	[TDX_RESULT_SUCCESS] = "success",
	[TDX_RESULT_REFUSED] = "refused",
	[TDX_RESULT_BUSY] = "busy",
	[TDX_RESULT_FATAL] = "fatal",
	[TDX_RESULT_TIMEOUT] = "timeout",
	[TDX_RESULT_IO_ERROR] = "io-error",
	[TDX_RESULT_UP_TO_DATE] = "up-to-date",
	[TDX_RESULT_NO_PLAN] = "no-plan",
	[TDX_RESULT_PLANNED] = "planned",
	[TDX_RESULT_CHECKED] = "checked",
	[TDX_RESULT_DRY_RUN_PASSED] = "dry-run-passed",
	[TDX_RESULT_VETOED] = "vetoed",
	[TDX_RESULT_PREFLIGHT_FAILED] = "preflight-failed",
	[TDX_RESULT_FAILED] = "failed",
};
DEFINE_STRING_TABLE_LOOKUP(tdx_update_result, enum tdx_update_result);

enum tdx_update_result tdx_update_result_of_outcome(enum tdx_update_outcome o)
{
	/* The first six results are the outcomes, in order (view.h). */
	return (unsigned)o <= TDX_OUTCOME_IO_ERROR ? (enum tdx_update_result)o : TDX_RESULT_FAILED;
}

bool tdx_update_result_is_ok(enum tdx_update_result r)
{
	return r == TDX_RESULT_SUCCESS || r == TDX_RESULT_CHECKED ||
	       r == TDX_RESULT_DRY_RUN_PASSED || r == TDX_RESULT_UP_TO_DATE;
}

unsigned tdx_update_budget(const struct tdx_host *h, unsigned reserve)
{
	if (h->remaining_err != 0)
		return UINT_MAX;
	return h->num_remaining_updates > reserve ? h->num_remaining_updates - reserve : 0;
}

void tdx_policy_host_from_host(const struct tdx_host *h, uint32_t cpu_signature,
			       struct tdx_policy_host *ret)
{
	*ret = (struct tdx_policy_host){
		.cpu_signature = cpu_signature,
		/* an unreadable version is no version: the policy then allows nothing */
		.running = h->version_err == 0 ? h->module_version : (struct tdx_version){},
		.seamldr_known = h->seamldr_err == 0,
		.seamldr = h->seamldr_err == 0 ? h->seamldr_version : (struct tdx_version){},
	};
}

int tdx_view_plan_compute(const struct tdx_view_input *in, const struct tdx_version *target,
			  struct tdx_plan *ret, struct tdx_diag *diag)
{
	struct tdx_policy_host ph;

	if (in->host->module_state != TDX_MODULE_RUNNING)
		return tdx_diag_set(diag, -ENODEV,
				    "the TDX module is %s, there is nothing to plan from",
				    tdx_module_state_to_string(in->host->module_state));
	if (!in->store)
		return tdx_diag_set(diag, -ENOENT, "%s", in->store_error ?: "no module store");
	tdx_policy_host_from_host(in->host, in->cpu_err ? 0 : in->cpu_signature, &ph);
	return tdx_plan_compute(in->store, &ph, &in->policy, target,
				tdx_update_budget(in->host, in->reserve), ret, diag);
}

enum tdx_update_result tdx_plan_error_result(int err)
{
	switch (err) {
	case 0:
		return TDX_RESULT_PLANNED;
	case -EALREADY:
		return TDX_RESULT_UP_TO_DATE;
	case -EPERM:
	case -EXDEV:
	case -ENOSPC:
	case -ENODATA: /* an unknown input blocks every newer version */
		return TDX_RESULT_NO_PLAN;
	default:
		return TDX_RESULT_REFUSED;
	}
}

static int put(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* A string or null (NULL s); -ENOMEM only when the string cannot be made. */
static int put_str_or_null(json_object *o, const char *key, const char *s)
{
	if (!s)
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	return put(o, key, json_object_new_string(s));
}

/* ---- status ---- */

/* The best update status shows: a plan, "up to date", or why there is none. */
struct best_update {
	bool store_ok; /* false: store unusable, msg says why */
	int err;       /* 0: target/n_hops valid; -EALREADY: up to date; else no plan */
	struct tdx_version target;
	size_t n_hops;
	char msg[TDX_DIAG_MAX];
};

static void best_update(const struct tdx_view_input *in, struct best_update *ret)
{
	_cleanup_(tdx_plan_done) struct tdx_plan plan = {};
	struct tdx_diag diag = {};

	*ret = (struct best_update){.store_ok = in->store != NULL};
	if (!in->store) {
		snprintf(ret->msg, sizeof(ret->msg), "%s", in->store_error ?: "no module store");
		return;
	}
	ret->err = tdx_view_plan_compute(in, NULL, &plan, &diag);
	if (ret->err == 0) {
		ret->target = plan.hops[plan.n_hops - 1]->version;
		ret->n_hops = plan.n_hops;
	} else
		snprintf(ret->msg, sizeof(ret->msg), "%s",
			 diag.msg[0] ? diag.msg : strerror(-ret->err));
}

static json_object *best_update_json(const struct best_update *b)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	const char *state;

	/* -ENODATA: an input the decision needs is unknown; never "none" */
	if (!b->store_ok || b->err == -ENODATA)
		state = "unknown";
	else if (b->err == 0)
		state = "available";
	else if (b->err == -EALREADY)
		state = "up-to-date";
	else
		state = "none";
	if (!o || put(o, "state", json_object_new_string(state)) < 0)
		return NULL;
	if (b->err == 0 && b->store_ok) {
		if (put(o, "version", tdx_json_version(&b->target)) < 0 ||
		    put(o, "hops", json_object_new_int64(b->n_hops)) < 0)
			return NULL;
	} else if (put(o, "reason", json_object_new_string(b->msg)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static const char *errno_or_null(int err)
{
	return err ? strerror(-err) : NULL;
}

json_object *tdx_view_status(const struct tdx_view_input *in)
{
	_cleanup_(json_object_putp) json_object *o = tdx_json_host(in->host, in->cpu_signature);
	const struct tdx_host *h = in->host;
	bool fw_known = h->paths.fwupload_dir && !in->fw_status_err;
	struct best_update best;

	if (!o)
		return NULL;
	best_update(in, &best);
	if (put_str_or_null(o, "fw_upload_status",
			    fw_known ? tdx_fw_status_to_string(in->fw_status) : NULL) < 0 ||
	    put_str_or_null(o, "fw_upload_status_error",
			    h->paths.fwupload_dir ? errno_or_null(in->fw_status_err) : NULL) < 0)
		return NULL;
	if (in->cpu_err && json_object_object_add(o, "cpu_signature", NULL) < 0)
		return NULL;
	if (put_str_or_null(o, "cpu_signature_error", errno_or_null(in->cpu_err)) < 0 ||
	    put(o, "store", json_object_new_string(in->store_path ?: "")) < 0 ||
	    put(o, "best_update", best_update_json(&best)) < 0 ||
	    put(o, "held_inhibitors", tdx_view_held_inhibitors(in->held_keys)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static json_object *held_key_json(const struct tdx_inhibit_key *k)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();

	if (!o || put(o, "key", json_object_new_string(k->key)) < 0 ||
	    put(o, "who", json_object_new_string(k->who)) < 0 ||
	    put(o, "why", json_object_new_string(k->why)) < 0 ||
	    put(o, "uid", json_object_new_int64(k->uid)) < 0)
		return NULL;
	/* absolute, so a document tdxd caches stays true; readers compute the time left */
	if (k->unreadable ? json_object_object_add(o, "expires_usec", NULL) < 0
			  : put(o, "expires_usec",
				json_object_new_int64((int64_t)k->expires_realtime_usec)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_view_held_inhibitors(const struct tdx_inhibit_keys *keys)
{
	_cleanup_(json_object_putp) json_object *a = json_object_new_array();

	for (size_t i = 0; a && keys && i < keys->n_held; i++) {
		json_object *k = held_key_json(&keys->held[i]);

		if (!k || json_object_array_add(a, k) < 0) {
			json_object_put(k);
			return NULL;
		}
	}
	return TAKE_PTR(a);
}

/* ---- list ---- */

void tdx_view_store_error(const struct tdx_view_input *in, char *buf, size_t size)
{
	const char *why = in->store_error ?: "no module store", *path = in->store_path ?: "";

	/* Library messages often name the path already. */
	if (strncmp(why, path, strlen(path)) == 0)
		snprintf(buf, size, "%s", why);
	else
		snprintf(buf, size, "%s: %s", path, why);
}

/* Lifts "problems" and "missing_images" of the store's JSON into o. */
static int put_store_problems(json_object *o, const struct tdx_store *s)
{
	_cleanup_(json_object_putp) json_object *sp = tdx_json_store_problems(s);
	static const char *const keys[] = {"problems", "missing_images"};

	if (!sp)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		json_object *v;

		if (!json_object_object_get_ex(sp, keys[i], &v))
			return -EINVAL;
		if (put(o, keys[i], json_object_get(v)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int tdx_view_list_evaluate(const struct tdx_view_input *in, struct tdx_view_list_items *ret)
{
	struct tdx_policy_host ph;
	struct tdx_candidate *cands = NULL;
	size_t n = 0;
	int r;

	if (!in->store)
		return -ENOENT;
	tdx_policy_host_from_host(in->host, in->cpu_err ? 0 : in->cpu_signature, &ph);
	r = tdx_policy_evaluate(in->store, &ph, &in->policy, &cands, &n);
	if (r < 0)
		return r;
	*ret = (struct tdx_view_list_items){
		.cands = cands,
		.n = n,
		.running = in->host->module_state == TDX_MODULE_RUNNING ? &in->host->module_version
									: NULL,
	};
	return 0;
}

/* The list document of evaluated items; the candidates in it only when with_candidates. */
static json_object *list_document(const struct tdx_view_input *in,
				  const struct tdx_view_list_items *items, bool with_candidates)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	json_object *arr = json_object_new_array_ext(with_candidates ? (int)items->n : 0);

	if (!o || put(o, "store", json_object_new_string(in->store->root)) < 0 ||
	    put(o, "candidates", arr) < 0 ||
	    json_object_object_add(o, "running",
				   items->running ? tdx_json_version(items->running) : NULL) < 0)
		return NULL;
	for (size_t i = 0; with_candidates && i < items->n; i++) {
		json_object *c = tdx_json_candidate(&items->cands[i], items->running);

		if (!c || json_object_array_add(arr, c) < 0) {
			json_object_put(c);
			return NULL;
		}
	}
	if (put_store_problems(o, in->store) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int tdx_view_list(const struct tdx_view_input *in, json_object **ret)
{
	_cleanup_free_ struct tdx_candidate *cands = NULL;
	struct tdx_view_list_items items;
	int r;

	r = tdx_view_list_evaluate(in, &items);
	if (r < 0)
		return r;
	cands = items.cands;
	*ret = list_document(in, &items, true);
	return *ret ? 0 : -ENOMEM;
}

int tdx_view_list_each(const struct tdx_view_input *in, tdx_view_candidate_fn fn, void *userdata,
		       json_object **ret, size_t *ret_n)
{
	_cleanup_free_ struct tdx_candidate *cands = NULL;
	struct tdx_view_list_items items;
	json_object *rest;
	int r;

	r = tdx_view_list_evaluate(in, &items);
	if (r < 0)
		return r;
	cands = items.cands;
	rest = list_document(in, &items, false);
	if (!rest)
		return -ENOMEM;
	for (size_t i = 0; i < items.n; i++) {
		json_object *c = tdx_json_candidate(&cands[i], items.running);

		r = c ? fn(c, userdata) : -ENOMEM;
		json_object_put(c);
		if (r < 0) {
			json_object_put(rest);
			return r;
		}
	}
	*ret = rest;
	*ret_n = items.n;
	return 0;
}

/* ---- plan ---- */

json_object *tdx_view_plan(const struct tdx_view_input *in, const struct tdx_plan *plan,
			   enum tdx_update_result result, const char *error)
{
	struct tdx_plan empty = {};
	unsigned budget = tdx_update_budget(in->host, in->reserve);
	_cleanup_(json_object_putp) json_object *o = NULL;

	if (!plan) {
		/* no plan: no hops, from the running version when there is one */
		if (in->host->module_state == TDX_MODULE_RUNNING)
			empty.from = in->host->module_version;
		plan = &empty;
	}
	o = tdx_json_plan(plan);
	if (!o ||
	    json_object_object_add(o, "budget",
				   budget == UINT_MAX ? NULL : json_object_new_int64(budget)) < 0 ||
	    put_str_or_null(o, "error", error) < 0 ||
	    put(o, "result", json_object_new_string(tdx_update_result_to_string(result))) < 0)
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_view_plan_for(const struct tdx_view_input *in, const struct tdx_version *target,
			       const char *what)
{
	_cleanup_(tdx_plan_done) struct tdx_plan plan = {};
	char error[2 * TDX_DIAG_MAX];
	struct tdx_diag diag = {};
	int r;

	r = tdx_view_plan_compute(in, target, &plan, &diag);
	if (r == 0 || r == -EALREADY)
		return tdx_view_plan(in, r == 0 ? &plan : NULL, tdx_plan_error_result(r), NULL);
	snprintf(error, sizeof(error), "%s: %s", what, diag.msg[0] ? diag.msg : strerror(-r));
	return tdx_view_plan(in, NULL, tdx_plan_error_result(r), error);
}

/* ---- update ---- */

enum tdx_update_result tdx_update_result_of_run(const struct tdx_hop_result *results, size_t done,
						int err, bool dry_run)
{
	if (done > 0 && results[done - 1].attempted)
		return tdx_update_result_of_outcome(results[done - 1].outcome);
	if (err < 0)
		return TDX_RESULT_REFUSED;
	return dry_run ? TDX_RESULT_CHECKED : TDX_RESULT_SUCCESS;
}

json_object *tdx_view_update(const struct tdx_update_view *u)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	json_object *hops = json_object_new_array();
	enum tdx_update_result plan_result =
		u->plan && u->plan->n_hops ? TDX_RESULT_PLANNED : TDX_RESULT_UP_TO_DATE;

	if (!o || put(o, "dry_run", json_object_new_boolean(u->dry_run)) < 0 ||
	    put(o, "result", json_object_new_string(tdx_update_result_to_string(u->result))) < 0 ||
	    put(o, "hops", hops) < 0)
		return NULL;
	if (u->plan && put(o, "plan", tdx_view_plan(u->in, u->plan, plan_result, NULL)) < 0)
		return NULL;
	if (!u->plan && json_object_object_add(o, "plan", NULL) < 0)
		return NULL;
	if (put_str_or_null(o, "error", u->error) < 0)
		return NULL;
	for (size_t i = 0; i < u->n_results; i++) {
		json_object *h = tdx_json_hop_result(&u->results[i]);

		if (!h || json_object_array_add(hops, h) < 0) {
			json_object_put(h);
			return NULL;
		}
	}
	if (put(o, "upload_timeout_s",
		json_object_new_int64((int64_t)(u->upload_timeout_usec / USEC_PER_SEC))) < 0)
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_view_update_verdict(const struct tdx_view_input *in, bool dry_run,
				     enum tdx_update_result result, const char *error)
{
	struct tdx_plan empty = {};

	/* Up to date is a plan without hops; a refusal has no plan. */
	if (result == TDX_RESULT_UP_TO_DATE) {
		empty.from = in->host->module_version;
		return tdx_view_update(&(struct tdx_update_view){
			.in = in, .plan = &empty, .dry_run = dry_run, .result = result});
	}
	return tdx_view_update(&(struct tdx_update_view){
		.in = in, .dry_run = dry_run, .result = result, .error = error});
}

/* Say "needs root" up front. Permission on the attribute, not euid, so fixture trees work. */
static int check_writable(const struct tdx_host *h, char *error, size_t size)
{
	_cleanup_free_ char *loading = NULL;

	if (!h->paths.fwupload_dir)
		return 0; /* pre-flight reports a missing fw_upload with its own words */
	loading = tdx_path_join(h->paths.fwupload_dir, "loading", NULL);
	if (!loading) {
		snprintf(error, size, "out of memory");
		return -ENOMEM;
	}
	if (access(loading, W_OK) < 0) {
		int r = negative_errno();

		snprintf(error, size, "%s: %s; an update needs root (--dry-run does not)", loading,
			 strerror(-r));
		return r;
	}
	return 0;
}

/* Refuses early, with the same words as the pre-flight check, when no slot is usable. */
static int check_budget(const struct tdx_host *h, unsigned reserve, char *error, size_t size)
{
	if (tdx_update_budget(h, reserve) != 0)
		return 0;
	if (h->num_remaining_updates == 0)
		snprintf(error, size,
			 "update refused: updates_left: num_remaining_updates is 0; the "
			 "P-SEAMLDR takes no more runtime updates until the host reboots");
	else
		snprintf(
			error, size,
			"update refused: updates_left: %u update%s left and the reserve (Reserve=, "
			"--reserve) keeps %u",
			h->num_remaining_updates, h->num_remaining_updates == 1 ? "" : "s",
			reserve);
	return -ENOSPC;
}

/*
 * Without the seamldr attributes every candidate is "seamldr unknown", which
 * the planner reports as nothing to do; say the real reason before planning.
 * A module that is not running has its own words in the planner.
 */
static int check_supported(const struct tdx_host *h, char *error, size_t size)
{
	if (h->update_support == TDX_UPDATE_SUPPORTED || h->module_state != TDX_MODULE_RUNNING)
		return 0;
	snprintf(error, size, "update refused: runtime update is unsupported: %s",
		 tdx_update_support_describe(h->update_support));
	return -EOPNOTSUPP;
}

enum tdx_update_result tdx_view_update_check(const struct tdx_view_input *in,
					     const struct tdx_version *target, bool dry_run,
					     struct tdx_plan *ret, char *error, size_t error_size)
{
	struct tdx_diag diag = {};
	int r;

	if (check_supported(in->host, error, error_size) < 0 ||
	    (!dry_run && check_writable(in->host, error, error_size) < 0) ||
	    check_budget(in->host, in->reserve, error, error_size) < 0)
		return TDX_RESULT_REFUSED;
	if (!in->store) {
		tdx_view_store_error(in, error, error_size);
		return TDX_RESULT_REFUSED;
	}
	r = tdx_view_plan_compute(in, target, ret, &diag);
	if (r < 0 && r != -EALREADY)
		snprintf(error, error_size, "update refused: no plan: %s",
			 diag.msg[0] ? diag.msg : strerror(-r));
	return tdx_plan_error_result(r);
}
