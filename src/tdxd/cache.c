// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The daemon's view of the host, refreshed at start, after every update, on
 * udev events and on Refresh(). Property getters only ever read this cache:
 * the P-SEAMLDR attributes are slow, and a monitoring agent polling GetAll
 * must not turn into a stream of SEAMCALLs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/cpu.h>
#include "bus-names.h"
#include <tdx/fwupload.h>
#include <tdx/hash.h>
#include <tdx/image.h>
#include <tdx/json.h>
#include <tdx/plan.h>
#include "tdxd.h"

void props_done(struct tdxd_props *p)
{
	char **strs[] = {&p->module_version,
			 &p->module_state,
			 &p->seamldr_version,
			 &p->runtime_update_reason,
			 &p->abi_layout,
			 &p->image_format,
			 &p->fw_status,
			 &p->tcb_version,
			 &p->mrseam,
			 &p->build_date,
			 &p->tcb_source,
			 &p->best_update,
			 &p->best_update_reason,
			 &p->update_state,
			 &p->last_result,
			 &p->store_path,
			 &p->auto_update};

	for (size_t i = 0; i < ELEMENTSOF(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
}

static int set_str(char **field, const char *value)
{
	char *s = strdup(value ?: "");

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int set_version(char **field, bool known, const struct tdx_version *v)
{
	char buf[TDX_VERSION_STRING_MAX];

	return set_str(field, known ? tdx_version_format(v, buf) : "");
}

void manager_view_input(const struct manager *m, const struct tdxd_facts *f, bool allow_debug,
			bool reinstall, struct tdx_view_input *ret)
{
	*ret = (struct tdx_view_input){
		.host = f->host,
		.cpu_err = f->cpu_err,
		.cpu_signature = f->cpu_signature,
		.store = f->store,
		.store_path = m->config->store_path,
		.store_error = f->store_error,
		.policy =
			{
				.trusted_keys = &m->config->trusted_keys,
				.allow_debug = allow_debug || m->config->allow_debug,
				.reinstall = reinstall,
				.strict_compat = m->config->strict_compat,
				.approved = m->config->fleet.approved,
				.n_approved = m->config->fleet.n_approved,
			},
		.reserve = m->config->reserve,
		.fw_status_err = f->fw_status_err,
		.fw_status = f->fw_status,
	};
}

/*
 * tdxd.service runs with ProtectHome=yes and PrivateTmp=yes: a store under
 * these paths does not exist for it, whatever the host shows. Under systemd
 * (INVOCATION_ID set) a store error there names the sandbox.
 */
static const char *sandbox_hint(const char *path)
{
	static const char *const hidden[] = {"/home/", "/root/", "/run/user/", "/tmp/",
					     "/var/tmp/"};

	if (!getenv("INVOCATION_ID"))
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(hidden); i++)
		if (strncmp(path, hidden[i], strlen(hidden[i])) == 0)
			return "hidden by tdxd.service's sandbox (ProtectHome=yes, "
			       "PrivateTmp=yes); see tdxd(8), SANDBOX";
	return NULL;
}

/* Why the store is unusable, as tdxctl --direct says it, and the sandbox when it is that. */
static void store_error_explain(const struct tdx_diag *diag, int err, const char *path,
				char buf[static TDX_DIAG_MAX])
{
	const char *hint = sandbox_hint(path), *why = diag->msg[0] ? diag->msg : strerror(-err);

	struct tdx_diag out = {};

	if (hint)
		tdx_diag_set(&out, 0, "%s (%s)", why, hint);
	else
		tdx_diag_set(&out, 0, "%s", why);
	memcpy(buf, out.msg, TDX_DIAG_MAX);
}

void tdxd_facts_done(struct tdxd_facts *f)
{
	tdx_store_free(f->store);
	tdx_host_free(f->host);
	*f = (struct tdxd_facts){};
}

int manager_probe(const struct manager *m, struct tdxd_facts *ret, struct tdx_diag *diag)
{
	return manager_probe_for(m, NULL, ret, diag);
}

/*
 * A job's update to a named version: the target looked up by name when that
 * plans the one hop a scan plans too, as tdxctl --direct does (the walk of
 * every store directory is a round trip each over 9p or NFS); else the scan.
 */
static int store_lookup_target(const struct manager *m, struct tdxd_facts *f,
			       const struct job_request *req)
{
	struct tdx_view_input in;
	struct tdx_version target;

	if (!req || !req->target || !req->target[0] || tdx_version_parse(req->target, &target) < 0)
		return 0;
	manager_view_input(m, f, req->allow_debug, req->reinstall, &in);
	return tdx_view_lookup_target(&in, m->config->store_path, &target, &f->store);
}

int manager_probe_for(const struct manager *m, const struct job_request *req,
		      struct tdxd_facts *ret, struct tdx_diag *diag)
{
	struct tdxd_facts f = {};
	struct tdx_diag store_diag = {};
	int r;

	r = tdx_host_probe(m->sysfs_root, &f.host);
	if (r < 0)
		return tdx_diag_set(diag, r, "%s: cannot probe: %s", m->sysfs_root, strerror(-r));
	/* Without a signature the policy finds no CPU match and says so. */
	f.cpu_err = tdx_cpu_signature(&f.cpu_signature);
	if (f.host->paths.fwupload_dir)
		f.fw_status_err =
			tdx_fwupload_read_status(f.host->paths.fwupload_dir, &f.fw_status);
	r = store_lookup_target(m, &f, req);
	if (r <= 0) /* no lookup, or it cannot decide (or ran out of memory): the scan does */
		r = tdx_store_scan(m->config->store_path, &f.store, &store_diag);
	if (r < 0) {
		f.store = NULL;
		store_error_explain(&store_diag, r, m->config->store_path, f.store_error);
	}
	*ret = f;
	return 0;
}

static int props_best_update(struct manager *m, struct tdxd_props *p)
{
	struct tdx_view_input in;
	struct tdx_plan plan = {};
	struct tdx_diag diag = {};
	char buf[TDX_VERSION_STRING_MAX], why[64];
	int r;

	if (!m->store)
		return set_str(&p->best_update, "")
			       ?: set_str(&p->best_update_reason, m->facts.store_error);
	if (m->host->module_state != TDX_MODULE_RUNNING)
		return set_str(&p->best_update, "")
			       ?: set_str(&p->best_update_reason, "module version unknown");
	manager_view_input(m, &m->facts, false, false, &in);
	r = tdx_view_plan_compute(&in, NULL, &plan, &diag);
	if (r == -EALREADY)
		return set_str(&p->best_update, "")
			       ?: set_str(&p->best_update_reason, "up to date");
	if (r < 0)
		return set_str(&p->best_update, "") ?: set_str(&p->best_update_reason, diag.msg);
	snprintf(why, sizeof(why), "%zu hop%s", plan.n_hops, plan.n_hops == 1 ? "" : "s");
	r = set_str(&p->best_update, tdx_version_format(&plan.hops[plan.n_hops - 1]->version, buf))
		    ?: set_str(&p->best_update_reason, why);
	tdx_plan_done(&plan);
	return r;
}

static void bcd_date(uint32_t d, char buf[static 16])
{
	if (!d) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, 16, "%04x-%02x-%02x", d >> 16, (d >> 8) & 0xff, d & 0xff);
}

static int props_tcb(struct tdxd_props *p, const char *version, uint16_t svn,
		     const uint8_t *seamhash, uint32_t date, const char *source)
{
	char hex[2 * TDX_SEAMHASH_SIZE + 1] = "", when[16];

	if (seamhash)
		tdx_hex(seamhash, TDX_SEAMHASH_SIZE, hex);
	bcd_date(date, when);
	p->seam_svn = svn;
	return set_str(&p->tcb_version, version) ?: set_str(&p->mrseam, hex)
			 ?: set_str(&p->build_date, when) ?: set_str(&p->tcb_source, source);
}

/* installed.json: what we installed last, so TcbSource survives restarts. */
static int installed_load(const struct manager *m, json_object **ret)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	json_object *o;
	int r;

	r = tdx_file_read_all(m->installed_path, 64 * 1024, &data, &size, NULL);
	if (r < 0)
		return r;
	o = json_tokener_parse((const char *)data);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EBADMSG;
	}
	*ret = o;
	return 0;
}

static const char *json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int manager_installed_version(const struct manager *m, char *buf, size_t size)
{
	_cleanup_(json_object_putp) json_object *o = NULL;
	const char *v;
	int r;

	r = installed_load(m, &o);
	if (r < 0)
		return r;
	v = json_str(o, "version");
	if (!v)
		return -EBADMSG;
	if ((size_t)snprintf(buf, size, "%s", v) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int props_tcb_from_installed(struct manager *m, struct tdxd_props *p, const char *running)
{
	_cleanup_(json_object_putp) json_object *o = NULL;
	uint8_t seamhash[TDX_SEAMHASH_SIZE];
	const char *v, *hex;
	json_object *n;
	uint16_t svn = 0;
	uint32_t date = 0;

	if (installed_load(m, &o) < 0)
		return 0;
	v = json_str(o, "version");
	hex = json_str(o, "mrseam");
	if (!v || strcmp(v, running) != 0 || !hex || strlen(hex) != 2 * TDX_SEAMHASH_SIZE)
		return 0;
	for (size_t i = 0; i < TDX_SEAMHASH_SIZE; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &seamhash[i]) != 1)
			return 0;
	if (json_object_object_get_ex(o, "seam_svn", &n))
		svn = (uint16_t)json_object_get_int(n);
	if (json_object_object_get_ex(o, "build_date", &n))
		date = (uint32_t)json_object_get_int64(n);
	return props_tcb(p, v, svn, seamhash, date, "installed") ?: 1;
}

static int props_tcb_fill(struct manager *m, struct tdxd_props *p)
{
	struct tdx_store_entry *e;
	int r;

	if (m->host->module_state != TDX_MODULE_RUNNING)
		return props_tcb(p, "", 0, NULL, 0, "unknown");
	r = props_tcb_from_installed(m, p, p->module_version);
	if (r != 0)
		return r < 0 ? r : 0;
	e = m->store ? tdx_store_find(m->store, &m->host->module_version) : NULL;
	if (e && tdx_store_entry_peek(e, NULL) >= 0 && e->sig_state == TDX_SIG_OK)
		return props_tcb(p, p->module_version, e->sig.seam_svn, e->sig.seamhash,
				 e->sig.date, "store");
	return props_tcb(p, p->module_version, 0, NULL, 0, "unknown");
}

int manager_save_installed(struct manager *m, const struct tdx_hop_result *r)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	char ver[TDX_VERSION_STRING_MAX], mrseam[2 * TDX_SEAMHASH_SIZE + 1];
	char sha[2 * TDX_SHA256_SIZE + 1];
	const char *text;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "version",
			       json_object_new_string(tdx_version_format(&r->to, ver)));
	json_object_object_add(
		o, "mrseam",
		json_object_new_string(tdx_hex(r->seamhash, TDX_SEAMHASH_SIZE, mrseam)));
	json_object_object_add(
		o, "image_sha256",
		json_object_new_string(tdx_hex(r->image_sha256, TDX_SHA256_SIZE, sha)));
	json_object_object_add(o, "seam_svn", json_object_new_int(r->seam_svn));
	json_object_object_add(o, "build_date", json_object_new_int64(r->build_date));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	if (!text)
		return -ENOMEM;
	return tdx_file_write_atomic(m->installed_path, text, strlen(text), 0644);
}

static int props_from_host(struct manager *m, struct tdxd_props *p)
{
	const struct tdx_host *h = m->host;
	int r;

	r = set_version(&p->module_version, h->module_state == TDX_MODULE_RUNNING,
			&h->module_version) ?: set_str(&p->module_state,
						       tdx_module_state_to_string(h->module_state))
		?: set_version(&p->seamldr_version, h->seamldr_err == 0, &h->seamldr_version)
		?: set_str(&p->abi_layout, tdx_abi_layout_to_string(h->layout))
		?: set_str(&p->image_format, h->image_format == TDX_IMAGE_FORMAT_INVALID
						     ? ""
						     : tdx_image_format_to_string(h->image_format))
		?: set_str(&p->runtime_update_reason,
			   h->update_support == TDX_UPDATE_SUPPORTED
				   ? ""
				   : tdx_update_support_describe(h->update_support))
		?: set_str(&p->store_path, m->config->store_path)
		?: set_str(&p->auto_update, tdx_auto_update_to_string(m->config->auto_update));
	if (r < 0)
		return r;
	p->remaining_updates = h->remaining_err < 0 ? -1 : (int32_t)h->num_remaining_updates;
	p->runtime_update = h->update_support == TDX_UPDATE_SUPPORTED;
	p->cpu_signature = m->facts.cpu_err ? 0 : m->facts.cpu_signature;
	if (!h->paths.fwupload_dir || m->facts.fw_status_err)
		return set_str(&p->fw_status, "");
	return set_str(&p->fw_status, tdx_fw_status_to_string(m->facts.fw_status));
}

/* Copies the strings the refresh does not compute (update state) into next. */
static int props_carry(const struct tdxd_props *cur, struct tdxd_props *next)
{
	next->update_progress = cur->update_progress;
	return set_str(&next->update_state, cur->update_state ?: "idle")
		       ?: set_str(&next->last_result, cur->last_result ?: "");
}

int manager_refresh(struct manager *m)
{
	struct tdxd_facts facts;
	struct tdxd_props next = {}, old;
	struct tdx_diag diag = {};
	int r;

	r = manager_probe(m, &facts, &diag);
	if (r < 0)
		return log_error_errno(r, "refresh failed: %s", diag.msg);
	views_clear(m); /* built from what is replaced now */
	tdxd_facts_done(&m->facts);
	m->facts = facts;
	m->host = facts.host;
	m->store = facts.store;
	if (!m->store)
		log_warning("module store unusable: %s: %s", m->config->store_path,
			    m->facts.store_error);

	r = props_from_host(m, &next) ?: props_tcb_fill(m, &next) ?: props_best_update(m, &next)
		?: props_carry(&m->props, &next);
	if (r < 0) {
		props_done(&next);
		return r;
	}
	old = m->props;
	m->props = next;
	props_emit(m, &old);
	props_done(&old);
	fleet_on_refresh(m);
	return 0;
}

int manager_set_update_state(struct manager *m, const char *state, uint32_t progress,
			     const char *last_result)
{
	struct tdxd_props old = {};
	int r;

	r = set_str(&old.update_state, m->props.update_state)
		    ?: set_str(&old.last_result, m->props.last_result);
	old.update_progress = m->props.update_progress;
	if (r >= 0)
		r = set_str(&m->props.update_state, state);
	if (r >= 0 && last_result)
		r = set_str(&m->props.last_result, last_result);
	m->props.update_progress = progress;
	if (r >= 0) {
		/* Only these three can differ: compare against a copy of them. */
		struct tdxd_props cmp = m->props;

		cmp.update_state = old.update_state;
		cmp.last_result = old.last_result;
		cmp.update_progress = old.update_progress;
		props_emit(m, &cmp);
	}
	free(old.update_state);
	free(old.last_result);
	return r;
}
