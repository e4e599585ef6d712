// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Update jobs. Update() returns a job object at once; a worker thread runs the
 * library's tdx_update_run_plan() (a module install may take minutes, and the
 * bus must keep answering meanwhile). The worker owns its own host and store
 * objects and shares only struct job's locked fields and an eventfd with the
 * loop thread, which publishes progress, writes history and refreshes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <systemd/sd-id128.h>
#include <time.h>

#include "bus-names.h"
#include <tdx/hash.h>
#include <tdx/json.h>
#include <tdx/string-table.h>
#include "tdxd.h"

#define JOBS_KEPT 8u /* finished jobs stay readable for a while */

static uint64_t now_realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

static void job_poke(struct job *j)
{
	uint64_t one = 1;

	if (write(j->notify_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow in practice; a lost poke only delays progress. */
	}
}

/*
 * The worker reports every page written; only a change of phase or percent
 * wakes the loop thread, so a 1 MB module costs at most ~70 property
 * signals on the bus instead of one per page.
 */
static void job_set_phase(struct job *j, const char *phase, uint32_t progress)
{
	bool changed;

	pthread_mutex_lock(&j->lock);
	changed = j->phase != phase || j->progress != progress;
	j->phase = (char *)phase;
	j->progress = progress;
	pthread_mutex_unlock(&j->lock);
	if (changed)
		job_poke(j);
}

static void job_progress(void *ud, enum tdx_upload_phase phase, size_t done, size_t total)
{
	struct job *j = ud;

	switch (phase) {
	case TDX_PHASE_WRITING:
		job_set_phase(j, "writing", 10 + (uint32_t)(total ? done * 70 / total : 0));
		break;
	case TDX_PHASE_INSTALLING:
		job_set_phase(j, "installing", 85);
		break;
	case TDX_PHASE_VERIFYING:
		job_set_phase(j, "verifying", 95);
		break;
	}
}

static void record_init(struct tdx_history_record *rec, const struct tdx_host *host)
{
	sd_id128_t boot;
	char buf[TDX_VERSION_STRING_MAX];

	*rec = (struct tdx_history_record){.remaining_before = -1, .remaining_after = -1};
	if (sd_id128_get_boot(&boot) >= 0)
		sd_id128_to_string(boot, rec->boot_id);
	rec->time_usec = now_realtime_usec();
	if (host && host->seamldr_err == 0)
		tdx_history_set_field(rec->seamldr, sizeof(rec->seamldr),
				      tdx_version_format(&host->seamldr_version, buf));
	if (host && host->remaining_err == 0)
		rec->remaining_before = (int32_t)host->num_remaining_updates;
}

static int job_add_record(struct job *j, const struct tdx_history_record *rec)
{
	struct tdx_history_record *p = realloc(j->records, (j->n_records + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	j->records = p;
	j->records[j->n_records++] = *rec;
	return 0;
}

/*
 * A pre-update hook's stdin: the hop, the plan's target, and what an
 * attestation verifier needs before the host moves (the module's MRSEAM and
 * SEAM SVN), the update slots left and the host's id (tdxctl-fleet(7)).
 */
static char *pre_hook_document(const struct job *j, const struct tdx_store_entry *e, const char *to)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	char mrseam[2 * TDX_SEAMHASH_SIZE + 1], id[64];
	const struct tdx_host *h = j->host;
	bool sig = e->sig_state == TDX_SIG_OK;

	if (!o)
		return NULL;
	json_object_object_add(o, "from", json_object_new_string(j->from));
	json_object_object_add(o, "to", json_object_new_string(to));
	json_object_object_add(o, "target", json_object_new_string(j->to));
	json_object_object_add(
		o, "mrseam",
		sig ? json_object_new_string(tdx_hex(e->sig.seamhash, TDX_SEAMHASH_SIZE, mrseam))
		    : NULL);
	json_object_object_add(o, "seam_svn", sig ? json_object_new_int(e->sig.seam_svn) : NULL);
	json_object_object_add(o, "remaining_updates",
			       h && h->remaining_err == 0
				       ? json_object_new_int64(h->num_remaining_updates)
				       : NULL);
	json_object_object_add(
		o, "host_id",
		fleet_host_id(j->manager, id, sizeof(id)) == 0 ? json_object_new_string(id) : NULL);
	return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* Inhibitors, then pre-update hooks; runs in the worker before each hop. */
static int job_veto(void *ud, const struct tdx_store_entry *e, struct tdx_diag *diag)
{
	struct job *j = ud;
	struct manager *m = j->manager;
	_cleanup_free_ char *dir = NULL, *env_from = NULL, *env_to = NULL, *doc = NULL;
	struct tdx_hooks_report rep = {};
	char to[TDX_VERSION_STRING_MAX];
	int r;

	job_set_phase(j, "checking", 5);
	r = inhibit_wait_clear(m, diag);
	if (r < 0)
		return r;
	tdx_version_format(&e->version, to);
	if (asprintf(&dir, "%s/%s", m->config->hook_dir, TDX_HOOKS_PRE_DIR) < 0 ||
	    asprintf(&env_from, "TDX_FROM=%s", j->from) < 0 ||
	    asprintf(&env_to, "TDX_TO=%s", to) < 0 || !(doc = pre_hook_document(j, e, to)))
		return tdx_diag_set(diag, -ENOMEM, "out of memory");
	char *env[] = {env_from, env_to, NULL};
	struct tdx_hooks_opts opts = {
		.timeout_usec = m->config->hook_timeout_usec,
		.stop_on_failure = true,
		.skipped_vetoes = true,
		.env = env,
		.stdin_data = doc,
	};
	struct hook_runner runner = {.manager = m, .phase = "pre"};
	hook_runner_attach(&runner, &opts);
	r = tdx_hooks_run_dir(dir, &opts, &rep, diag);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rep.n_runs; i++)
		if (rep.runs[i].status == TDX_HOOK_SKIPPED)
			log_warning("pre-update hook %s/%s skipped: %s", dir, rep.runs[i].name,
				    rep.runs[i].message);
	if (rep.vetoed && rep.runs[rep.veto_index].status == TDX_HOOK_SKIPPED)
		r = tdx_diag_set(
			diag, -EPERM,
			"pre-update hook %s cannot run (%s); a veto that cannot run blocks "
			"the update",
			rep.runs[rep.veto_index].name, rep.runs[rep.veto_index].message);
	else if (rep.vetoed) {
		const struct tdx_hook_run *v = &rep.runs[rep.veto_index];

		r = tdx_diag_set(diag, -EPERM, "pre-update hook %s %s (exit %d): %s", v->name,
				 tdx_hook_status_to_string(v->status), v->exit_status,
				 v->message[0] ? v->message : "no message");
	}
	tdx_hooks_report_done(&rep);
	return r;
}

/* True when every post-update hook ran and succeeded (FleetLock releases only then). */
static bool job_run_post_hooks(struct job *j)
{
	struct manager *m = j->manager;
	_cleanup_free_ char *dir = NULL, *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
	_cleanup_(json_object_putp) json_object *doc = NULL;
	struct tdx_hooks_report rep = {};
	struct tdx_diag diag = {};

	if (j->n_records > 0)
		doc = tdx_history_record_to_json(&j->records[j->n_records - 1]);
	if (asprintf(&dir, "%s/%s", m->config->hook_dir, TDX_HOOKS_POST_DIR) < 0 ||
	    asprintf(&e1, "TDX_FROM=%s", j->from) < 0 || asprintf(&e2, "TDX_TO=%s", j->to) < 0 ||
	    asprintf(&e3, "TDX_RESULT=%s", tdx_update_result_to_string(j->result)) < 0 ||
	    asprintf(&e4, "TDX_ERROR=%s", j->error) < 0)
		return false;
	char *env[] = {e1, e2, e3, e4, NULL};
	struct tdx_hooks_opts opts = {
		.timeout_usec = m->config->hook_timeout_usec,
		.env = env,
		.stdin_data =
			doc ? json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN) : NULL,
	};
	struct hook_runner runner = {.manager = m, .phase = "post"};
	hook_runner_attach(&runner, &opts);
	if (tdx_hooks_run_dir(dir, &opts, &rep, &diag) < 0) {
		log_warning("post-update hooks: %s", diag.msg);
		return false;
	}
	bool all_ok = true;
	for (size_t i = 0; i < rep.n_runs; i++)
		if (rep.runs[i].status != TDX_HOOK_OK) {
			all_ok = false;
			log_warning("post-update hook %s/%s %s: %s", dir, rep.runs[i].name,
				    tdx_hook_status_to_string(rep.runs[i].status),
				    rep.runs[i].message);
		}
	tdx_hooks_report_done(&rep);
	return all_ok;
}

static enum tdx_update_result refusal_result(const struct tdx_preflight *pf)
{
	return tdx_preflight_first_failure(pf) == TDX_CHECK_VETO ? TDX_RESULT_VETOED
								 : TDX_RESULT_PREFLIGHT_FAILED;
}

/* A history record's result: the job's words are enum tdx_update_result's (view.h). */
static void record_set_result(struct tdx_history_record *rec, enum tdx_update_result res)
{
	tdx_history_set_field(rec->result, sizeof(rec->result), tdx_update_result_to_string(res));
}

/* The part of a hop's record known before its first byte. */
static void hop_record_base(const struct tdx_host *host, const struct tdx_hop_result *h,
			    struct tdx_history_record *rec)
{
	char buf[TDX_VERSION_STRING_MAX];

	record_init(rec, host);
	tdx_history_set_field(rec->from, sizeof(rec->from), tdx_version_format(&h->from, buf));
	tdx_history_set_field(rec->to, sizeof(rec->to), tdx_version_format(&h->to, buf));
	rec->remaining_before = (int32_t)h->remaining_before;
	tdx_hex(h->image_sha256, TDX_SHA256_SIZE, rec->image_sha256);
}

/* Worker, before a hop's first byte: pending.json holds the attempt (pending.c). */
static int job_before_write(void *ud, const struct tdx_hop_result *res, struct tdx_diag *diag)
{
	struct job *j = ud;
	struct tdx_history_record *p;
	int r;

	p = realloc(j->pending, (j->n_pending + 1) * sizeof(*p));
	if (!p)
		return tdx_diag_set(diag, -ENOMEM, "out of memory");
	j->pending = p;
	hop_record_base(j->host, res, &p[j->n_pending]);
	pending_mark(&p[j->n_pending]);
	r = pending_save(j->manager, p, j->n_pending + 1);
	if (r < 0)
		return tdx_diag_set(diag, r,
				    "cannot record the attempt in %s before writing: %s; nothing "
				    "written",
				    j->manager->pending_path, strerror(-r));
	return 0;
}

/* Worker, after each hop: an attempted hop's outcome replaces its in-progress record. */
static void job_hop_done(void *ud, const struct tdx_hop_result *res)
{
	struct job *j = ud;
	struct tdx_history_record *rec;
	int r;

	if (!res->attempted || !j->pending)
		return;
	rec = &j->pending[j->n_pending++];
	record_set_result(rec, tdx_update_result_of_outcome(res->outcome));
	tdx_history_set_field(rec->error, sizeof(rec->error), res->fw.error.raw);
	rec->remaining_after = res->remaining_after_known ? (int32_t)res->remaining_after : -1;
	r = pending_save(j->manager, j->pending, j->n_pending);
	if (r < 0)
		log_warning_errno(r, "cannot update %s: %m", j->manager->pending_path);
}

/* One history record per hop that ran or was refused. */
static void job_record_hops(struct job *j, const struct tdx_host *host,
			    const struct tdx_hop_result *res, size_t done, const char *run_msg)
{
	for (size_t i = 0; i < done; i++) {
		const struct tdx_hop_result *h = &res[i];
		struct tdx_history_record rec;

		hop_record_base(host, h, &rec);
		if (!h->attempted)
			rec.image_sha256[0] = '\0';
		if (h->attempted) {
			record_set_result(&rec, tdx_update_result_of_outcome(h->outcome));
			if (h->outcome != TDX_OUTCOME_SUCCESS)
				tdx_history_set_field(rec.error, sizeof(rec.error),
						      h->fw.error.raw[0] ? h->fw.error.raw
									 : run_msg);
			j->attempted = true;
			j->last_outcome = h->outcome;
			if (h->outcome == TDX_OUTCOME_SUCCESS) {
				j->installed = *h;
				j->installed_known = true;
			}
		} else if (!tdx_preflight_passed(&h->preflight)) {
			record_set_result(&rec, refusal_result(&h->preflight));
			tdx_history_set_field(rec.error, sizeof(rec.error), run_msg);
		} else
			continue; /* dry run: passed pre-flight, nothing to record */
		if (h->remaining_after_known)
			rec.remaining_after = (int32_t)h->remaining_after;
		else if (!h->attempted)
			rec.remaining_after = rec.remaining_before;
		(void)job_add_record(j, &rec);
	}
}

static void job_finish(struct job *j, enum tdx_update_result result, const char *error)
{
	pthread_mutex_lock(&j->lock);
	j->result = result;
	snprintf(j->error, sizeof(j->error), "%s", error ?: "");
	pthread_mutex_unlock(&j->lock);
}

/* Records a refusal that happened before any hop ran (planning, host). */
static void job_refuse_early(struct job *j, const struct tdx_host *host,
			     enum tdx_update_result result, const char *error)
{
	struct tdx_history_record rec;

	record_init(&rec, host);
	tdx_history_set_field(rec.from, sizeof(rec.from), j->from);
	tdx_history_set_field(rec.to, sizeof(rec.to), j->req.target);
	record_set_result(&rec, result);
	tdx_history_set_field(rec.error, sizeof(rec.error), error);
	rec.remaining_after = rec.remaining_before;
	if (!j->req.dry_run)
		(void)job_add_record(j, &rec);
	job_finish(j, result, error);
}

/* The job's update document (view.h), built while the results exist; GetResult() returns it. */
static void job_set_document(struct job *j, json_object *doc)
{
	_cleanup_(json_object_putp) json_object *owned = doc;
	char *text = NULL;

	if (owned)
		text = tdx_utf8_sanitize(strdup(
			json_object_to_json_string_ext(
				owned, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
				?: ""));
	if (!text)
		log_warning("job %u: no result document: out of memory", j->id);
	pthread_mutex_lock(&j->lock);
	free(j->result_document);
	j->result_document = text;
	pthread_mutex_unlock(&j->lock);
}

/* Planning refused the job: recorded, and its document (as tdxctl --direct words it). */
static void job_refuse_with_document(struct job *j, const struct tdx_view_input *in,
				     enum tdx_update_result res, const char *error)
{
	char line[2 * TDX_DIAG_MAX];

	snprintf(line, sizeof(line), "update refused: no plan: %s", error);
	job_refuse_early(j, in->host, res, error);
	job_set_document(j, tdx_view_update_verdict(in, j->req.dry_run, res,
						    res == TDX_RESULT_UP_TO_DATE ? NULL : line));
}

/* FleetLock: a slot before the first hop; without one the job ends "vetoed", nothing written. */
static int job_take_fleet_slot(struct job *j, const struct tdx_view_input *in)
{
	char line[2 * TDX_DIAG_MAX];
	struct tdx_diag diag = {};
	int r;

	if (!fleet_lock_enabled(j->manager))
		return 0;
	job_set_phase(j, "fleet-lock", 3);
	r = fleet_lock_take(j->manager, &diag);
	if (r >= 0) {
		j->fleet_slot = true;
		return 0;
	}
	snprintf(line, sizeof(line), "update refused: %s", diag.msg);
	job_refuse_early(j, in->host, TDX_RESULT_VETOED, diag.msg);
	job_set_document(j, tdx_view_update_verdict(in, false, TDX_RESULT_VETOED, line));
	return r;
}

static void job_run(struct job *j, struct tdxd_facts *f)
{
	struct manager *m = j->manager;
	_cleanup_free_ struct tdx_hop_result *results = NULL;
	struct tdx_host *host = f->host;
	struct tdx_plan plan = {};
	struct tdx_diag diag = {};
	struct tdx_version target;
	struct tdx_view_input in;
	size_t done = 0;
	int r;

	struct tdx_update_ctx ctx = {
		.host = host,
		.store = f->store,
		.reserve = m->config->reserve,
		.young_td_usec = m->config->inhibit_young_td_usec,
		.fw = {.timeout_usec = m->config->upload_timeout_usec,
		       .poll_initial_usec = TDX_FWUPLOAD_DEFAULT_POLL_INITIAL_USEC,
		       .poll_max_usec = TDX_FWUPLOAD_DEFAULT_POLL_MAX_USEC,
		       .progress = job_progress,
		       .progress_ud = j},
		.veto = job_veto,
		.veto_ud = j,
		.before_write = job_before_write,
		.before_write_ud = j,
	};
	manager_view_input(m, f, j->req.allow_debug, j->req.reinstall, &in);
	ctx.policy = in.policy;
	tdx_policy_host_from_host(host, f->cpu_err ? 0 : f->cpu_signature, &ctx.policy_host);
	if (host->module_state == TDX_MODULE_RUNNING)
		tdx_version_format(&host->module_version, j->from);
	if (j->req.target[0])
		(void)tdx_version_parse(j->req.target, &target);
	r = tdx_view_plan_compute(&in, j->req.target[0] ? &target : NULL, &plan, &diag);
	if (r < 0) {
		job_refuse_with_document(j, &in, tdx_plan_error_result(r),
					 diag.msg[0] ? diag.msg : strerror(-r));
		return;
	}
	tdx_version_format(&plan.hops[plan.n_hops - 1]->version, j->to);
	if (!j->req.dry_run && job_take_fleet_slot(j, &in) < 0) {
		tdx_plan_done(&plan);
		return;
	}
	job_set_phase(j, "running", 5);
	j->host = host;
	r = tdx_update_run_plan(&ctx, &plan, j->req.dry_run, job_hop_done, j, &results, &done,
				&diag);
	job_record_hops(j, host, results, done, diag.msg);
	job_set_document(
		j, tdx_view_update(&(struct tdx_update_view){
			   .in = &in,
			   .plan = &plan,
			   .dry_run = j->req.dry_run,
			   .result = tdx_update_result_of_run(results, done, r, j->req.dry_run),
			   .results = results,
			   .n_results = done,
			   .error = r < 0 ? (diag.msg[0] ? diag.msg : strerror(-r)) : NULL,
			   .upload_timeout_usec = m->config->upload_timeout_usec,
		   }));
	if (r < 0 && (done == 0 || results[done - 1].attempted ||
		      tdx_preflight_passed(&results[done - 1].preflight))) {
		/* The run stopped before a hop result existed (lock, image load, ...). */
		job_refuse_early(j, host, TDX_RESULT_FAILED, diag.msg);
	} else if (r < 0)
		job_finish(j, refusal_result(&results[done - 1].preflight), diag.msg);
	else if (j->req.dry_run)
		job_finish(j, TDX_RESULT_DRY_RUN_PASSED, "");
	else
		job_finish(j, tdx_update_result_of_outcome(j->last_outcome),
			   j->n_records ? j->records[j->n_records - 1].error : "");
	tdx_plan_done(&plan);
}

static void *job_worker(void *userdata)
{
	struct job *j = userdata;
	struct tdxd_facts f = {};
	struct tdx_diag diag = {};
	int r;

	pthread_mutex_lock(&j->lock);
	j->state = JOB_RUNNING;
	pthread_mutex_unlock(&j->lock);
	job_set_phase(j, "probing", 1);
	r = manager_probe_for(j->manager, &j->req, &f, &diag);
	if (r < 0 || !f.store) {
		char line[2 * TDX_DIAG_MAX];

		if (r >= 0)
			tdx_diag_set(&diag, -ENOENT, "%s: %s", j->manager->config->store_path,
				     f.store_error);
		snprintf(line, sizeof(line), "update refused: %s", diag.msg);
		job_refuse_early(j, f.host, TDX_RESULT_FAILED, diag.msg);
		job_set_document(
			j, tdx_view_update_verdict(NULL, j->req.dry_run, TDX_RESULT_REFUSED, line));
	} else
		job_run(j, &f);
	tdxd_facts_done(&f);
	bool hooks_ok = true;
	if (!j->req.dry_run && j->n_records > 0)
		hooks_ok = job_run_post_hooks(j);
	/* Kept after FATAL or a failed post hook: the fleet stops behind this host. */
	if (j->fleet_slot && hooks_ok && j->result != TDX_RESULT_FATAL)
		(void)fleet_lock_release(j->manager, "update done");
	else if (j->fleet_slot)
		log_warning("FleetLock: slot kept (result %s%s): the fleet waits for this host",
			    tdx_update_result_to_string(j->result),
			    hooks_ok ? "" : ", a post-update hook failed");
	pthread_mutex_lock(&j->lock);
	j->state = JOB_FINISHED;
	j->phase = "done";
	j->progress = 100;
	j->done = true;
	pthread_mutex_unlock(&j->lock);
	job_poke(j);
	return NULL;
}

static const char *const job_state_table[] = {
	[JOB_QUEUED] = "queued",
	[JOB_RUNNING] = "running",
	[JOB_FINISHED] = "finished",
};
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(job_state, enum job_state, static);

/*
 * One typed getter per Job property, each reading its field under the job's
 * lock (the worker writes them). The outcome's properties are empty until
 * the job is done.
 */
#define JOB_GETTER(fn, sig, value)                                                                \
	static int fn(sd_bus *bus, const char *path, const char *interface, const char *property, \
		      sd_bus_message *reply, void *userdata, sd_bus_error *error)                 \
	{                                                                                         \
		struct job *j = userdata;                                                         \
		int r;                                                                            \
                                                                                                  \
		pthread_mutex_lock(&j->lock);                                                     \
		r = sd_bus_message_append(reply, sig, value);                                     \
		pthread_mutex_unlock(&j->lock);                                                   \
		return r;                                                                         \
	}
JOB_GETTER(job_get_id, "u", j->id)
JOB_GETTER(job_get_target, "s", j->req.target)
JOB_GETTER(job_get_dry_run, "b", (int)j->req.dry_run)
JOB_GETTER(job_get_state, "s", job_state_to_string(j->state))
JOB_GETTER(job_get_phase, "s", j->phase ?: "queued")
JOB_GETTER(job_get_progress, "u", j->progress)
JOB_GETTER(job_get_result, "s", j->done ? tdx_update_result_to_string(j->result) : "")
JOB_GETTER(job_get_error, "s", j->done ? j->error : "")
JOB_GETTER(job_get_from, "s", j->done ? j->from : "")
JOB_GETTER(job_get_to, "s", j->done ? j->to : "")
#undef JOB_GETTER

/* Job.GetResult(): the job's update document (tdxctl-dbus(5)), once it has finished. */
static int job_method_get_result(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	_cleanup_free_ char *doc = NULL;
	struct job *j = userdata;
	bool done;

	pthread_mutex_lock(&j->lock);
	done = j->done;
	if (done && j->result_document)
		doc = strdup(j->result_document);
	pthread_mutex_unlock(&j->lock);
	if (!done)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_BUSY, "job %u has not finished",
					 j->id);
	if (!doc)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_FAILED,
					 "job %u has no result document (out of memory)", j->id);
	return sd_bus_reply_method_return(msg, "s", doc);
}

#define JOB_PROP(name, sig, getter) \
	SD_BUS_PROPERTY(name, sig, getter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable job_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Id", "u", job_get_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Target", "s", job_get_target, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("DryRun", "b", job_get_dry_run, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	JOB_PROP("State", "s", job_get_state),
	JOB_PROP("Phase", "s", job_get_phase),
	JOB_PROP("Progress", "u", job_get_progress),
	JOB_PROP("Result", "s", job_get_result),
	JOB_PROP("Error", "s", job_get_error),
	JOB_PROP("From", "s", job_get_from),
	JOB_PROP("To", "s", job_get_to),
	SD_BUS_METHOD_WITH_ARGS("GetResult", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", document),
				job_method_get_result, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("Finished", SD_BUS_ARGS("s", result, "s", document), 0),
	SD_BUS_VTABLE_END,
};

static struct job *job_free(struct job *j)
{
	if (!j)
		return NULL;
	if (j->thread_started)
		pthread_join(j->thread, NULL);
	sd_bus_slot_unref(j->slot);
	sd_bus_track_unref(j->caller);
	sd_event_source_disable_unref(j->notify_source);
	safe_close(j->notify_fd);
	pthread_mutex_destroy(&j->lock);
	free(j->req.target);
	free(j->records);
	free(j->pending);
	free(j->result_document);
	free(j->path);
	free(j);
	return NULL;
}

/* Drops the oldest finished jobs beyond JOBS_KEPT. */
static void jobs_trim(struct manager *m)
{
	unsigned n = 0;

	for (struct job **pp = &m->jobs; *pp;) {
		struct job *j = *pp;

		if (j != m->running_job && ++n > JOBS_KEPT) {
			*pp = j->next;
			job_free(j);
		} else
			pp = &j->next;
	}
}

void jobs_free(struct manager *m)
{
	while (m->jobs) {
		struct job *j = m->jobs;

		m->jobs = j->next;
		job_free(j);
	}
	m->running_job = NULL;
}

/* The journal entry of a finished job: its MESSAGE_ID and priority follow from its result. */
static void job_log_result(const struct job *j)
{
	const char *id = TDX_MESSAGE_UPDATE_FAILED;
	int prio = 3;

	switch (j->result) {
	case TDX_RESULT_SUCCESS:
	case TDX_RESULT_DRY_RUN_PASSED:
		id = TDX_MESSAGE_UPDATE_SUCCEEDED;
		prio = 5;
		break;
	case TDX_RESULT_FATAL:
		id = TDX_MESSAGE_UPDATE_FATAL;
		prio = 2;
		break;
	case TDX_RESULT_REFUSED:
	case TDX_RESULT_BUSY:
	case TDX_RESULT_VETOED:
	case TDX_RESULT_PREFLIGHT_FAILED:
	case TDX_RESULT_UP_TO_DATE:
	case TDX_RESULT_NO_PLAN:
		id = TDX_MESSAGE_UPDATE_REFUSED;
		prio = 4;
		break;
	default: /* timeout, io-error, failed: the update failed */
		break;
	}
	log_update_event(id, prio, j->id, j->from, j->to, tdx_update_result_to_string(j->result),
			 j->error);
}

/*
 * The job's end for whoever follows it: its result and its update document,
 * so a client needs no call after the job (tdxctl-dbus(5)). An empty document
 * (out of memory) sends it to GetResult(), which says why.
 */
static void job_emit_finished(struct job *j)
{
	int r;

	pthread_mutex_lock(&j->lock);
	r = sd_bus_emit_signal(j->manager->bus, j->path, TDX_BUS_JOB_IFACE, "Finished", "ss",
			       tdx_update_result_to_string(j->result), j->result_document ?: "");
	pthread_mutex_unlock(&j->lock);
	if (r < 0)
		log_warning_errno(r, "job %u: cannot send Finished: %m", j->id);
}

/*
 * The worker has nothing left to do once it set done (under the lock, so
 * everything it wrote is visible here) but to poke and return. Its exit
 * (freeing an 8 MB stack) took 3-4 ms in the TCG guest (issue 11), so it is
 * waited for after Finished has gone out, not before.
 */
static void job_join_worker(struct job *j)
{
	pthread_join(j->thread, NULL);
	j->thread_started = false;
}

/* Loop thread, once the worker is done: history, state file, Finished, cache, signal. */
static void job_complete(struct job *j)
{
	struct manager *m = j->manager;
	int r;

	for (size_t i = 0; i < j->n_records; i++) {
		r = tdx_history_append(m->history, &j->records[i], m->config->history_max);
		if (r < 0)
			log_error_errno(r, "cannot record history: %m");
	}
	if (j->n_records > 0) {
		r = tdx_history_save(m->history, m->history_path);
		if (r < 0)
			log_error_errno(r, "cannot write %s: %m", m->history_path);
		else if (j->n_pending > 0)
			pending_clear(m); /* kept otherwise: the next start records it */
	}
	if (j->installed_known) {
		r = manager_save_installed(m, &j->installed);
		if (r < 0)
			log_error_errno(r, "cannot write %s: %m", m->installed_path);
	}
	fleet_on_job_result(m, tdx_update_result_to_string(j->result));
	job_log_result(j);
	/* Before the refresh: the caller has all it needs, and its next call waits for it. */
	job_emit_finished(j);
	job_join_worker(j);
	job_after_finished(j);
}

void job_complete_tail(struct job *j)
{
	struct manager *m = j->manager;

	m->running_job = NULL;
	if (!j->req.dry_run)
		(void)manager_refresh(m);
	(void)manager_set_update_state(m, "idle", 0, tdx_update_result_to_string(j->result));
	(void)sd_bus_emit_signal(m->bus, TDX_BUS_PATH, TDX_BUS_IFACE, "UpdateFinished", "ssss",
				 j->from, j->to, tdx_update_result_to_string(j->result), j->error);
	fleet_on_job_end(m);
	jobs_trim(m);
	manager_job_ended(m);
}

static int job_notified(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct job *j = userdata;
	uint32_t progress;
	uint64_t n;
	bool done;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return 0;
	pthread_mutex_lock(&j->lock);
	progress = j->progress;
	done = j->done;
	pthread_mutex_unlock(&j->lock);
	(void)sd_bus_emit_properties_changed(j->manager->bus, j->path, TDX_BUS_JOB_IFACE, "State",
					     "Phase", "Progress", "Result", "Error", "From", "To",
					     NULL);
	if (done) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		job_complete(j);
	} else
		(void)manager_set_update_state(j->manager, "running", progress, NULL);
	return 0;
}

int job_start(struct manager *m, struct job_request *req, struct job **ret, sd_bus_error *error)
{
	struct job *j;
	int r;

	if (m->running_job)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_BUSY, "job %u is running",
					 m->running_job->id);
	if (m->exit_requested)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_BUSY, "tdxd is stopping");
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	pthread_mutex_init(&j->lock, NULL);
	j->manager = m;
	j->id = ++m->next_job_id;
	j->req = *req;
	j->req.target = strdup(req->target ?: "");
	j->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!j->req.target || j->notify_fd < 0 ||
	    asprintf(&j->path, "%s/%u", TDX_BUS_JOB_PREFIX, j->id) < 0) {
		j->path = NULL;
		job_free(j);
		return -ENOMEM;
	}
	r = sd_event_add_io(m->event, &j->notify_source, j->notify_fd, EPOLLIN, job_notified, j);
	if (r >= 0)
		r = sd_bus_add_object_vtable(m->bus, &j->slot, j->path, TDX_BUS_JOB_IFACE,
					     job_vtable, j);
	if (r < 0) {
		job_free(j);
		return r;
	}
	r = pthread_create(&j->thread, NULL, job_worker, j);
	if (r != 0) {
		job_free(j);
		return -r;
	}
	j->thread_started = true;
	j->next = m->jobs;
	m->jobs = j;
	m->running_job = j;
	log_update_event(TDX_MESSAGE_UPDATE_STARTED, 5, j->id, m->props.module_version, req->target,
			 req->dry_run ? "dry-run" : "started", "");
	(void)manager_set_update_state(m, "running", 0, NULL);
	*ret = j;
	return 0;
}
