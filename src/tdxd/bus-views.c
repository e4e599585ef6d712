// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The view documents of org.tdxctl.tdx1.Manager: GetStatus, GetList, GetPlan
 * and CheckUpdate return the JSON documents of tdxctl(8) --json (view.h),
 * built by the library from the facts of the last refresh. tdxctl renders
 * them; tdxd renders nothing.
 *
 * They are open to everyone, so each costs a cache read: a document is built
 * once per refresh and question (the options and the target) and kept until
 * the next refresh, and unprivileged callers are paced per uid (pacing.c).
 *
 * GetList's document grows with the store (about 7 MB for 10,000 images), so
 * it travels as a sealed memfd (document-fd.h), made once per cached
 * document: one such message in dbus-daemon would hold up every other caller.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "bus-names.h"
#include "document-fd.h"
#include <tdx/json.h>
#include "tdxd.h"

/* Distinct questions kept per refresh; a flood of distinct targets starts over. */
#define VIEW_CACHE_MAX 64u

struct view_doc {
	char *key;  /* method, target and options */
	char *text; /* the document, UTF-8 */
	int fd;	    /* its sealed memfd once a caller wanted one; -EBADF before */
};

struct view_cache {
	struct view_doc docs[VIEW_CACHE_MAX];
	size_t n;
};

void views_clear(struct manager *m)
{
	if (!m->views)
		return;
	for (size_t i = 0; i < m->views->n; i++) {
		free(m->views->docs[i].key);
		free(m->views->docs[i].text);
		if (m->views->docs[i].fd >= 0)
			close(m->views->docs[i].fd);
	}
	m->views->n = 0;
}

void views_free(struct manager *m)
{
	views_clear(m);
	free(m->views);
	m->views = NULL;
}

static struct view_doc *views_find(const struct manager *m, const char *key)
{
	for (size_t i = 0; m->views && i < m->views->n; i++)
		if (strcmp(m->views->docs[i].key, key) == 0)
			return &m->views->docs[i];
	return NULL;
}

/* Keeps text under key (both taken); the cache's entry, or NULL when out of memory. */
static struct view_doc *views_put(struct manager *m, char *key, char *text)
{
	struct view_doc *d;

	if (!m->views)
		m->views = calloc(1, sizeof(*m->views));
	if (!m->views || !text) {
		free(key);
		free(text);
		return NULL;
	}
	if (m->views->n >= VIEW_CACHE_MAX)
		views_clear(m);
	d = &m->views->docs[m->views->n++];
	d->key = key;
	d->text = text;
	d->fd = -EBADF;
	return d;
}

/* The document's sealed memfd, made on first use and kept with the document. */
static int view_doc_fd(struct view_doc *d, int *ret)
{
	int r;

	if (d->fd < 0) {
		r = document_fd_new(d->text, strlen(d->text), &d->fd);
		if (r < 0)
			return log_error_errno(r, "cannot pass a view document as a memfd: %m");
	}
	*ret = d->fd;
	return 0;
}

/* The compact JSON text of doc (taken); paths may be any bytes, D-Bus wants UTF-8. */
static char *document_text(json_object *doc)
{
	_cleanup_(json_object_putp) json_object *owned = doc;

	if (!owned)
		return NULL;
	return tdx_utf8_sanitize(
		strdup(json_object_to_json_string_ext(owned, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE)
			       ?: ""));
}

/* The options every view method takes (tdxctl-dbus(5)). */
struct view_options {
	bool dry_run;
	bool allow_debug;
	bool reinstall;
};

static int read_view_options(sd_bus_message *msg, struct view_options *o, sd_bus_error *error)
{
	const struct bus_option opts[] = {
		{"dry_run", &o->dry_run},
		{"allow_debug", &o->allow_debug},
		{"reinstall", &o->reinstall},
	};

	return bus_read_options(msg, opts, ELEMENTSOF(opts), NULL, error);
}

/* A view: its document for this target and these options, or an error. */
typedef int (*view_build_t)(struct manager *m, const char *target, const struct view_options *o,
			    json_object **ret, sd_bus_error *error);

static int build_status(struct manager *m, const char *target, const struct view_options *o,
			json_object **ret, sd_bus_error *error)
{
	struct tdx_view_input in;

	manager_view_input(m, &m->facts, false, false, &in);
	in.held_keys = &m->held_keys;
	*ret = tdx_view_status(&in);
	return *ret ? 0 : -ENOMEM;
}

static int build_list(struct manager *m, const char *target, const struct view_options *o,
		      json_object **ret, sd_bus_error *error)
{
	struct tdx_view_input in;
	char line[2 * TDX_DIAG_MAX];
	int r;

	manager_view_input(m, &m->facts, o->allow_debug, o->reinstall, &in);
	r = tdx_view_list(&in, ret);
	if (r == -ENOENT) {
		tdx_view_store_error(&in, line, sizeof(line));
		return sd_bus_error_setf(error, TDX_BUS_ERROR_FAILED, "%s", line);
	}
	return r;
}

/* "" is the newest; a target that is not a version is the caller's mistake. */
static int parse_target(const char *target, struct tdx_version *v, const struct tdx_version **ret,
			sd_bus_error *error)
{
	*ret = NULL;
	if (!target[0])
		return 0;
	if (tdx_version_parse(target, v) < 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "'%s' is not a version (X.Y.ZZ)", target);
	*ret = v;
	return 0;
}

static int build_plan(struct manager *m, const char *target, const struct view_options *o,
		      json_object **ret, sd_bus_error *error)
{
	const struct tdx_version *t;
	struct tdx_view_input in;
	struct tdx_version v;
	int r;

	r = parse_target(target, &v, &t, error);
	if (r < 0)
		return r;
	manager_view_input(m, &m->facts, o->allow_debug, o->reinstall, &in);
	*ret = tdx_view_plan_for(&in, t, "no plan");
	return *ret ? 0 : -ENOMEM;
}

static int build_update_check(struct manager *m, const char *target, const struct view_options *o,
			      json_object **ret, sd_bus_error *error)
{
	_cleanup_(tdx_plan_done) struct tdx_plan plan = {};
	char line[2 * TDX_DIAG_MAX] = "";
	const struct tdx_version *t;
	enum tdx_update_result res;
	struct tdx_view_input in;
	struct tdx_version v;
	int r;

	r = parse_target(target, &v, &t, error);
	if (r < 0)
		return r;
	manager_view_input(m, &m->facts, o->allow_debug, o->reinstall, &in);
	res = tdx_view_update_check(&in, t, o->dry_run, &plan, line, sizeof(line));
	if (res == TDX_RESULT_PLANNED)
		*ret = tdx_view_update(&(struct tdx_update_view){
			.in = &in, .plan = &plan, .dry_run = o->dry_run, .result = res});
	else
		*ret = tdx_view_update_verdict(&in, o->dry_run, res, line);
	return *ret ? 0 : -ENOMEM;
}

static const struct view_method {
	const char *member;
	bool takes_target;
	bool takes_options;
	bool replies_fd; /* "h", a sealed memfd, instead of "s" */
	view_build_t build;
} view_methods[] = {
	{"GetStatus", false, false, false, build_status},
	{"GetList", false, true, true, build_list},
	{"GetPlan", true, true, false, build_plan},
	{"CheckUpdate", true, true, false, build_update_check},
};

static const struct view_method *view_method_of(sd_bus_message *msg)
{
	const char *member = sd_bus_message_get_member(msg);

	for (size_t i = 0; member && i < ELEMENTSOF(view_methods); i++)
		if (strcmp(member, view_methods[i].member) == 0)
			return &view_methods[i];
	return NULL;
}

/* The cached document for msg's question (vm), built now if this refresh has none yet. */
static int view_document(struct manager *m, sd_bus_message *msg, const struct view_method *vm,
			 struct view_doc **ret, sd_bus_error *error)
{
	struct view_options o = {};
	const char *target = "";
	struct view_doc *d;
	json_object *doc = NULL;
	char *key;
	int r;

	r = sd_bus_message_rewind(msg, true);
	if (r >= 0 && vm->takes_target)
		r = sd_bus_message_read(msg, "s", &target);
	if (r >= 0 && vm->takes_options)
		r = read_view_options(msg, &o, error);
	if (r < 0)
		return r;
	if (asprintf(&key, "%s/%s/%d%d%d", vm->member, target, o.dry_run, o.allow_debug,
		     o.reinstall) < 0)
		return -ENOMEM;
	d = views_find(m, key);
	if (d) {
		free(key);
		*ret = d;
		return 0;
	}
	r = vm->build(m, target, &o, &doc, error);
	if (r < 0) {
		free(key);
		return r;
	}
	d = views_put(m, key, document_text(doc));
	if (!d)
		return -ENOMEM;
	*ret = d;
	return 0;
}

/* Replies with the document, in the message or as its memfd. */
static int view_reply(const struct view_method *vm, sd_bus_message *msg, struct view_doc *d)
{
	int fd = -EBADF, r;

	if (!vm->replies_fd)
		return sd_bus_reply_method_return(msg, "s", d->text);
	r = view_doc_fd(d, &fd);
	if (r < 0)
		return r;
	return sd_bus_reply_method_return(msg, "h", fd); /* sd-bus sends a dup */
}

/*
 * pacing.c's answer: the reply, and what it cost: the bytes the message
 * carries through dbus-daemon (a memfd carries none of the document's).
 */
static int view_answer(struct manager *m, sd_bus_message *msg, size_t *ret_cost)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	const struct view_method *vm = view_method_of(msg);
	struct view_doc *d = NULL;
	int r;

	r = vm ? view_document(m, msg, vm, &d, &error) : -EINVAL;
	*ret_cost = d && !vm->replies_fd ? strlen(d->text) : 0;
	if (r >= 0)
		r = view_reply(vm, msg, d);
	if (r < 0 && !sd_bus_error_is_set(&error))
		sd_bus_error_set_errno(&error, r);
	if (r < 0)
		return sd_bus_reply_method_error(msg, &error);
	return r;
}

static int method_view(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return pacing_submit(userdata, msg, view_answer, error);
}

static const sd_bus_vtable views_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_ARGS("GetStatus", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", document),
				method_view, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetList", SD_BUS_ARGS("a{sv}", options),
				SD_BUS_RESULT("h", document), method_view,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetPlan", SD_BUS_ARGS("s", target, "a{sv}", options),
				SD_BUS_RESULT("s", document), method_view,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("CheckUpdate", SD_BUS_ARGS("s", target, "a{sv}", options),
				SD_BUS_RESULT("s", document), method_view,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

int manager_views_register(struct manager *m)
{
	return sd_bus_add_object_vtable(m->bus, NULL, TDX_BUS_PATH, TDX_BUS_IFACE, views_vtable, m);
}
