// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * org.tdxctl.tdx1.Manager: properties from the cache, read-only methods open
 * to everyone, mutations behind auth_check(). Handler shape, as in systemd's
 * daemons: parse and validate, authorize, act, reply. The view documents
 * are bus-views.c's.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bus-names.h"
#include <tdx/hash.h>
#include <tdx/image.h>
#include <tdx/plan.h>
#include <tdx/policy.h>
#include "tdxd.h"

static int plan_error(int r, const char *msg, sd_bus_error *error)
{
	const char *name;

	switch (r) {
	case -EALREADY:
		name = TDX_BUS_ERROR_UP_TO_DATE;
		break;
	case -ENOENT:
		name = TDX_BUS_ERROR_NOT_FOUND;
		break;
	case -EPERM:
	case -ENODATA:
		name = TDX_BUS_ERROR_NOT_ALLOWED;
		break;
	case -EXDEV:
		name = TDX_BUS_ERROR_NO_PATH;
		break;
	case -ENOSPC:
		name = TDX_BUS_ERROR_NO_UPDATES_LEFT;
		break;
	default:
		name = TDX_BUS_ERROR_FAILED;
		break;
	}
	return sd_bus_error_setf(error, name, "%s", msg[0] ? msg : strerror(-r));
}

/* Parses "" (newest) or a version; InvalidArgs otherwise. */
static int parse_target(const char *s, struct tdx_version *v, bool *ret_set, sd_bus_error *error)
{
	*ret_set = s[0] != '\0';
	if (*ret_set && tdx_version_parse(s, v) < 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "'%s' is not a version (X.Y.ZZ)", s);
	return 0;
}

static int require_store(struct manager *m, sd_bus_error *error)
{
	if (!m->store)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_FAILED, "module store unusable: %s",
					 m->facts.store_error);
	if (!m->host || m->host->module_state != TDX_MODULE_RUNNING)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_UNSUPPORTED,
					 "TDX module version unknown (state %s)",
					 m->props.module_state);
	return 0;
}

/* Plans from the cache; the worker plans again under the lock before acting. */
static int plan_cached(struct manager *m, const char *target, bool allow_debug, bool reinstall,
		       struct tdx_plan *ret, sd_bus_error *error)
{
	struct tdx_view_input in;
	struct tdx_diag diag = {};
	struct tdx_version v;
	bool set;
	int r;

	r = parse_target(target, &v, &set, error);
	if (r < 0)
		return r;
	r = require_store(m, error);
	if (r < 0)
		return r;
	manager_view_input(m, &m->facts, allow_debug, reinstall, &in);
	r = tdx_view_plan_compute(&in, set ? &v : NULL, ret, &diag);
	if (r < 0)
		return plan_error(r, diag.msg, error);
	return 0;
}

int job_request_check(struct manager *m, const struct job_request *req, sd_bus_error *error)
{
	struct tdx_plan plan = {};
	int r;

	r = plan_cached(m, req->target, req->allow_debug, req->reinstall, &plan, error);
	tdx_plan_done(&plan);
	return r;
}

static int method_refresh_continue(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	int r;

	/* The job refreshes when it ends; reading the seamldr attributes mid-upload helps nobody.
	 */
	if (m->running_job)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_BUSY, "job %u is running",
					 m->running_job->id);
	r = manager_refresh(m);

	if (r < 0)
		return sd_bus_error_set_errnof(error, r, "Refresh failed: %s", strerror(-r));
	return sd_bus_reply_method_return(msg, NULL);
}

static int method_refresh(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return auth_check(userdata, msg, TDX_POLKIT_REFRESH, method_refresh_continue, error);
}

static int method_list_candidates(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	_cleanup_free_ struct tdx_candidate *cands = NULL;
	struct manager *m = userdata;
	struct tdx_policy_host ph;
	struct tdx_view_input in;
	size_t n = 0;
	int r;

	if (!m->store)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_FAILED, "module store unusable: %s",
					 m->facts.store_error);
	manager_view_input(m, &m->facts, false, false, &in);
	tdx_policy_host_from_host(in.host, in.cpu_err ? 0 : in.cpu_signature, &ph);
	r = tdx_policy_evaluate(m->store, &ph, &in.policy, &cands, &n);
	if (r < 0)
		return r;
	r = sd_bus_message_new_method_return(msg, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_open_container(reply, 'a', "(sbas)");
	for (size_t i = 0; r >= 0 && i < n; i++) {
		char buf[TDX_VERSION_STRING_MAX];

		r = sd_bus_message_open_container(reply, 'r', "sbas");
		if (r >= 0)
			r = sd_bus_message_append(reply, "sb",
						  tdx_version_format(&cands[i].entry->version, buf),
						  cands[i].reasons == 0);
		if (r >= 0)
			r = sd_bus_message_open_container(reply, 'a', "s");
		for (unsigned b = 0; r >= 0 && b < TDX_REASON_COUNT; b++)
			if (cands[i].reasons & (1u << b))
				r = sd_bus_message_append(reply, "s",
							  tdx_reason_to_string(1u << b));
		if (r >= 0)
			r = sd_bus_message_close_container(reply);
		if (r >= 0)
			r = sd_bus_message_close_container(reply);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

static int method_plan(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	struct manager *m = userdata;
	struct tdx_plan plan = {};
	char buf[TDX_VERSION_STRING_MAX];
	const char *target;
	int r;

	r = sd_bus_message_read(msg, "s", &target);
	if (r < 0)
		return r;
	r = plan_cached(m, target, false, false, &plan, error);
	if (r < 0)
		return r;
	r = sd_bus_message_new_method_return(msg, &reply);
	if (r >= 0)
		r = sd_bus_message_append(reply, "s", tdx_version_format(&plan.from, buf));
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "s");
	for (size_t i = 0; r >= 0 && i < plan.n_hops; i++)
		r = sd_bus_message_append(reply, "s",
					  tdx_version_format(&plan.hops[i]->version, buf));
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	tdx_plan_done(&plan);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

int bus_read_options(sd_bus_message *msg, const struct bus_option *opts, size_t n_opts,
		     char **ret_version, sd_bus_error *error)
{
	int r;

	r = sd_bus_message_enter_container(msg, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
		const char *key;
		bool *flag = NULL;
		int b;

		r = sd_bus_message_read(msg, "s", &key);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n_opts && !flag; i++)
			if (strcmp(key, opts[i].key) == 0)
				flag = opts[i].flag;
		if (!flag && strcmp(key, "version") == 0 && ret_version) {
			const char *v;

			r = sd_bus_message_read(msg, "v", "s", &v);
			if (r < 0)
				return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
							 "option version must be a string");
			free(*ret_version);
			*ret_version = strdup(v);
			if (!*ret_version)
				return -ENOMEM;
		} else if (!flag)
			return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
						 "unknown option '%s'", key);
		if (flag) {
			r = sd_bus_message_read(msg, "v", "b", &b);
			if (r < 0)
				return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
							 "option %s must be a boolean", key);
			*flag = b;
		}
		r = sd_bus_message_exit_container(msg);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(msg);
}

/* a{sv} options of Update and UpdateFromFd. */
static int read_options(sd_bus_message *msg, struct job_request *req, char **ret_version,
			sd_bus_error *error)
{
	const struct bus_option opts[] = {
		{"dry_run", &req->dry_run},
		{"allow_debug", &req->allow_debug},
		{"reinstall", &req->reinstall},
	};

	return bus_read_options(msg, opts, ELEMENTSOF(opts), ret_version, error);
}

static int reply_job_started(struct manager *m, sd_bus_message *msg, struct job_request *req,
			     sd_bus_error *error)
{
	struct job *j;
	int r;

	r = job_start(m, req, &j, error);
	if (r < 0)
		return r;
	return sd_bus_reply_method_return(msg, "o", j->path);
}

/* Plans from the cache first so that a hopeless request fails now, not in a job. */
static int reply_job(struct manager *m, sd_bus_message *msg, struct job_request *req,
		     sd_bus_error *error)
{
	int r;

	r = job_request_check(m, req, error);
	if (r < 0)
		return r;
	return reply_job_started(m, msg, req, error);
}

/*
 * Update refuses at once, without a job, whatever CheckUpdate would not answer
 * "planned" (the host cannot update, fw_upload is not writable, no slot above
 * the reserve, no plan): tdxctl --yes sends Update alone and asks CheckUpdate
 * only to word a refusal. What Update refused before keeps its error name.
 */
static int update_check_cached(struct manager *m, const struct job_request *req,
			       sd_bus_error *error)
{
	_cleanup_(tdx_plan_done) struct tdx_plan plan = {};
	char line[2 * TDX_DIAG_MAX] = "";
	struct tdx_view_input in;
	struct tdx_version v;
	bool set;
	int r;

	r = parse_target(req->target, &v, &set, error);
	if (r < 0)
		return r;
	if (!m->host)
		return job_request_check(m, req, error);
	manager_view_input(m, &m->facts, req->allow_debug, req->reinstall, &in);
	if (tdx_view_update_check(&in, set ? &v : NULL, req->dry_run, &plan, line, sizeof(line)) ==
	    TDX_RESULT_PLANNED)
		return 0;
	r = job_request_check(m, req, error); /* the error names Update has always had */
	if (r < 0)
		return r;
	return sd_bus_error_setf(error, TDX_BUS_ERROR_FAILED, "%s",
				 line[0] ? line : "update refused");
}

static int method_update_continue(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	struct job_request req = {};
	const char *target;
	int r;

	r = sd_bus_message_rewind(msg, true);
	if (r >= 0)
		r = sd_bus_message_read(msg, "s", &target);
	if (r >= 0)
		r = read_options(msg, &req, NULL, error);
	if (r < 0)
		return r;
	req.target = (char *)target;
	r = update_check_cached(m, &req, error);
	if (r < 0)
		return r;
	return reply_job_started(m, msg, &req, error);
}

static int method_update(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return auth_check(userdata, msg, TDX_POLKIT_UPDATE, method_update_continue, error);
}

/*
 * Which store entry an image is: its sigstruct's seamhash (the MRSEAM that
 * the module will report) must equal a store entry's. The store entry is what
 * the policy knows (mapping facts); without one the image is refused.
 */
static int identify_image(struct manager *m, int fd, const char *want_version,
			  struct tdx_version *ret, sd_bus_error *error)
{
	_cleanup_free_ uint8_t *data = NULL;
	struct tdx_diag diag = {};
	struct tdx_image img;
	struct stat st;
	size_t size = 0;
	char path[64];
	int r;

	/* Only regular files: a pipe could stall the bus loop forever. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "the image must be a regular file");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = tdx_file_read_all(path, TDX_IMAGE_MAX_SIZE, &data, &size, &diag);
	if (r >= 0)
		r = tdx_image_parse(data, size, &img, &diag);
	if (r >= 0)
		r = tdx_image_validate(&img, TDX_VALIDATE_ALL, &m->config->trusted_keys, &diag);
	if (r < 0)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_INVALID_IMAGE, "image: %s", diag.msg);
	tdx_store_peek_all(m->store);
	for (size_t i = 0; i < m->store->n_entries; i++) {
		struct tdx_store_entry *e = &m->store->entries[i];
		char buf[TDX_VERSION_STRING_MAX];

		if (e->sig_state != TDX_SIG_OK ||
		    memcmp(e->sig.seamhash, img.sig.seamhash, TDX_SEAMHASH_SIZE) != 0)
			continue;
		if (want_version && strcmp(want_version, tdx_version_format(&e->version, buf)) != 0)
			return sd_bus_error_setf(error, TDX_BUS_ERROR_UNKNOWN_IMAGE,
						 "image is %s in the store, not %s", buf,
						 want_version);
		*ret = e->version;
		return 0;
	}
	return sd_bus_error_setf(error, TDX_BUS_ERROR_UNKNOWN_IMAGE,
				 "image's seamhash matches no module in the store %s; its "
				 "compatibility cannot be checked",
				 m->config->store_path);
}

static int method_update_fd_continue(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	struct job_request req = {};
	_cleanup_free_ char *version = NULL;
	char target[TDX_VERSION_STRING_MAX];
	struct tdx_version v;
	int fd, r;

	r = sd_bus_message_rewind(msg, true);
	if (r >= 0)
		r = sd_bus_message_read(msg, "h", &fd);
	if (r >= 0)
		r = read_options(msg, &req, &version, error);
	if (r < 0)
		return r;
	r = require_store(m, error);
	if (r < 0)
		return r;
	r = identify_image(m, fd, version, &v, error);
	if (r < 0)
		return r;
	req.target = tdx_version_format(&v, target);
	return reply_job(m, msg, &req, error);
}

static int method_update_fd(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return auth_check(userdata, msg, TDX_POLKIT_UPDATE, method_update_fd_continue, error);
}

static int method_inhibit_continue(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	_cleanup_close_ int fd = -EBADF;
	struct tdx_diag diag = {""};
	const char *who, *why;
	int r;

	r = sd_bus_message_rewind(msg, true);
	if (r >= 0)
		r = sd_bus_message_read(msg, "ss", &who, &why);
	if (r < 0)
		return r;
	if (!who[0] || strlen(who) > 256 || strlen(why) > 1024)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "who must be non-empty; who/why at most 256/1024 bytes");
	r = inhibitor_add(m, msg, who, why, &fd, &diag);
	if (r == -EBUSY)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_BUSY, "%s", diag.msg);
	if (r == -EUSERS)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_LIMIT, "%s", diag.msg);
	if (r < 0)
		return sd_bus_error_set_errnof(error, r, "%s", diag.msg);
	return sd_bus_reply_method_return(msg, "h", fd);
}

static int method_inhibit(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return auth_check(userdata, msg, TDX_POLKIT_INHIBIT, method_inhibit_continue, error);
}

static int method_history(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	struct manager *m = userdata;
	int r;

	r = sd_bus_message_new_method_return(msg, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', TDX_BUS_HISTORY_RECORD);
	for (size_t i = 0; r >= 0 && i < m->history->n_records; i++) {
		const struct tdx_history_record *h = &m->history->records[i];

		r = sd_bus_message_append(reply, TDX_BUS_HISTORY_RECORD, h->boot_id, h->time_usec,
					  h->from, h->to, h->image_sha256, h->seamldr,
					  h->remaining_before, h->remaining_after, h->result,
					  h->error);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

static int property_get_inhibitors(sd_bus *bus, const char *path, const char *interface,
				   const char *property, sd_bus_message *reply, void *userdata,
				   sd_bus_error *error)
{
	return inhibitors_append_bus(userdata, reply);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Inhibitors", "a(ssuu)", property_get_inhibitors, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD("Refresh", NULL, NULL, method_refresh, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListCandidates", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(sbas)", candidates), method_list_candidates,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Plan", SD_BUS_ARGS("s", target),
				SD_BUS_RESULT("s", from, "as", hops), method_plan,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Update", SD_BUS_ARGS("s", target, "a{sv}", options),
				SD_BUS_RESULT("o", job), method_update, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("UpdateFromFd", SD_BUS_ARGS("h", image, "a{sv}", options),
				SD_BUS_RESULT("o", job), method_update_fd,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Inhibit", SD_BUS_ARGS("s", who, "s", why), SD_BUS_RESULT("h", fd),
				method_inhibit, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("History", SD_BUS_NO_ARGS,
				SD_BUS_RESULT(TDX_BUS_HISTORY_RECORD_ARRAY, records),
				method_history, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("UpdateFinished",
				SD_BUS_ARGS("s", from, "s", to, "s", result, "s", error), 0),
	SD_BUS_VTABLE_END,
};

int manager_bus_register(struct manager *m)
{
	int r;

	/* The cached properties first: GetAll lists them in the order they always had. */
	r = manager_properties_register(m);
	if (r >= 0)
		r = sd_bus_add_object_vtable(m->bus, NULL, TDX_BUS_PATH, TDX_BUS_IFACE,
					     manager_vtable, m);
	if (r >= 0)
		r = manager_views_register(m);
	if (r < 0)
		return r;
	return sd_bus_add_object_manager(m->bus, NULL, TDX_BUS_PATH);
}
