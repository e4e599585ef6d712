// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Loads tdxctl-bus.so (bus-module.h) the first time a verb needs tdxd, and
 * forwards to it. backend_bus_open() is defined here, so route.c does not
 * know the back-end is a module.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bus-module.h"

static const struct tdxctl_bus_module *loaded;

static int core_parse_document(const char *text, size_t size, json_object **ret)
{
	json_tokener *tok = json_tokener_new();
	json_object *doc = NULL;
	bool whole;

	if (!tok)
		return -ENOMEM;
	if (size <= INT_MAX)
		doc = json_tokener_parse_ex(tok, text, (int)size);
	whole = json_tokener_get_error(tok) == json_tokener_success &&
		json_tokener_get_parse_end(tok) == size;
	json_tokener_free(tok);
	if (!whole || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return -EBADMSG;
	}
	*ret = doc;
	return 0;
}

static void core_plan_label(json_object *doc, char *buf, size_t size)
{
	json_object *plan = json_object_object_get(doc, "plan");

	snprintf(buf, size, "%s -> %s",
		 json_object_get_string(json_object_object_get(plan, "from")),
		 json_object_get_string(json_object_object_get(plan, "to")));
}

static const struct tdxctl_bus_core core = {
	.parse_document = core_parse_document,
	.plan_label = core_plan_label,
};

/* The directory of this executable, as the kernel knows it. */
static int exe_dir(char buf[static PATH_MAX])
{
	ssize_t n = readlink("/proc/self/exe", buf, PATH_MAX - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	dirname(buf);
	return 0;
}

static int module_open(const char *path, const struct tdxctl_bus_module **ret,
		       struct tdx_diag *diag)
{
	const struct tdxctl_bus_module *m;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return tdx_diag_set(diag, -EHOSTDOWN, "cannot load the bus back-end: %s",
				    dlerror());
	m = dlsym(h, TDXCTL_BUS_MODULE_SYMBOL);
	if (!m || strcmp(m->version, PACKAGE_VERSION) != 0 ||
	    m->backend_size != sizeof(struct backend)) {
		dlclose(h);
		return tdx_diag_set(diag, -EHOSTDOWN,
				    "%s: not the bus back-end of tdxctl %s (another build?)", path,
				    PACKAGE_VERSION);
	}
	m->set_core(&core);
	*ret = m; /* never dlclose'd: its functions sit in struct backend */
	return 0;
}

/* Beside tdxctl in the build tree; an installed module is in the private libdir. */
static void module_path(char *path, size_t size)
{
	char dir[PATH_MAX];

	if (exe_dir(dir) >= 0) {
		snprintf(path, size, "%s/%s", dir, TDXCTL_BUS_MODULE_FILE);
		if (access(path, F_OK) == 0)
			return;
	}
	snprintf(path, size, "%s/%s", TDXCTL_MODULE_DIR, TDXCTL_BUS_MODULE_FILE);
}

int bus_module_get(const struct tdxctl_bus_module **ret, struct tdx_diag *diag)
{
	char path[PATH_MAX + sizeof(TDXCTL_BUS_MODULE_FILE)];
	int r;

	if (!loaded) {
		module_path(path, sizeof(path));
		r = module_open(path, &loaded, diag);
		if (r < 0)
			return r;
	}
	*ret = loaded;
	return 0;
}

int backend_bus_open(struct backend *b)
{
	const struct tdxctl_bus_module *m;
	struct tdx_diag diag = {};
	int r = bus_module_get(&m, &diag);

	if (r < 0)
		return backend_fail(b, r, "%s", diag.msg);
	return m->backend_open(b);
}

int bus_module_history(struct tdx_history **ret, struct tdx_diag *diag)
{
	const struct tdxctl_bus_module *m;
	int r = bus_module_get(&m, diag);

	return r < 0 ? r : m->history(ret, diag);
}

int bus_module_inhibit(const char *who, const char *why, int *ret_fd, struct tdx_diag *diag)
{
	const struct tdxctl_bus_module *m;
	int r = bus_module_get(&m, diag);

	return r < 0 ? r : m->inhibit(who, why, ret_fd, diag);
}

int bus_module_hold_key(const struct tdxctl_options *o, uint64_t *ret_expires_realtime,
			struct tdx_diag *diag)
{
	const struct tdxctl_bus_module *m;
	int r = bus_module_get(&m, diag);

	return r < 0 ? r : m->hold_key(o, ret_expires_realtime, diag);
}

int bus_module_release_key(const struct tdxctl_options *o, bool *ret_was_held,
			   struct tdx_diag *diag)
{
	const struct tdxctl_bus_module *m;
	int r = bus_module_get(&m, diag);

	return r < 0 ? r : m->release_key(o, ret_was_held, diag);
}

void bus_module_journal_key(const char *message_id, const char *verb,
			    const struct tdx_inhibit_key *k)
{
	const struct tdxctl_bus_module *m;

	if (bus_module_get(&m, NULL) >= 0)
		m->journal_key(message_id, verb, k);
}
