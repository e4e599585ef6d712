// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxd.conf parser. Strict about values (a typo in Reserve= must not fall
 * back to a default that uses the last update slot), lenient about unknown
 * keys (reported as warnings).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include <tdx/tdxd-conf.h>
#include <tdx/image.h>
#include <tdx/inhibit-keys.h>
#include <tdx/update.h>
#include <tdx/string-table.h>

#define CONFIG_MAX_WARNINGS 64u

static const char *const tdx_auto_update_table[] = {
	[TDX_AUTO_UPDATE_OFF] = "off",
	[TDX_AUTO_UPDATE_APPLY] = "apply",
};

static const char *const tdx_inhibit_mode_table[] = {
	[TDX_INHIBIT_REFUSE] = "refuse",
	[TDX_INHIBIT_WAIT] = "wait",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_auto_update, enum tdx_auto_update, );

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_inhibit_mode, enum tdx_inhibit_mode, );

struct tdx_config *tdx_config_free(struct tdx_config *c)
{
	if (!c)
		return NULL;
	free(c->store_path);
	free(c->target);
	free(c->hook_dir);
	free(c->state_dir);
	free(c->kernel_module);
	tdx_fleet_config_done(&c->fleet);
	tdx_hooks_profile_done(&c->hooks);
	tdx_strv_free(c->sources);
	for (size_t i = 0; i < c->n_warnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	free(c);
	return NULL;
}

int tdx_config_new(struct tdx_config **ret)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->store_path = strdup(TDX_STORE_DEFAULT_PATH);
	c->target = strdup("");
	c->reserve = TDX_DEFAULT_RESERVE;
	tdx_trusted_keys_default(&c->trusted_keys);
	c->upload_timeout_usec = TDX_FWUPLOAD_DEFAULT_TIMEOUT_USEC;
	c->hook_dir = strdup(TDX_CONFIG_DEFAULT_HOOK_DIR);
	c->hook_timeout_usec = TDX_CONFIG_DEFAULT_HOOK_TIMEOUT_USEC;
	c->inhibit_wait_usec = TDX_CONFIG_DEFAULT_INHIBIT_WAIT_USEC;
	c->inhibit_max_hold_usec = TDX_INHIBIT_DEFAULT_MAX_HOLD_USEC;
	c->state_dir = strdup(TDX_CONFIG_DEFAULT_STATE_DIR);
	c->kernel_module = strdup("");
	c->history_max = TDX_CONFIG_DEFAULT_HISTORY_MAX;
	c->warnings = calloc(1, sizeof(char *));
	c->sources = calloc(1, sizeof(char *));
	if (!c->store_path || !c->target || !c->hook_dir || !c->state_dir || !c->kernel_module ||
	    !c->warnings || !c->sources || tdx_fleet_config_init(&c->fleet) < 0 ||
	    tdx_hooks_profile_init(&c->hooks) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(c);
	return 0;
}

static int config_warn(struct tdx_config *c, const char *source, unsigned line, const char *what,
		       const char *name)
{
	char **w;
	char *msg;

	if (c->n_warnings >= CONFIG_MAX_WARNINGS)
		return 0; /* enough to see that the file is for another version */
	if (asprintf(&msg, "%s%sline %u: %s %s ignored", source ?: "", source ? ": " : "", line,
		     what, name) < 0)
		return -ENOMEM;
	w = realloc(c->warnings, (c->n_warnings + 2) * sizeof(char *));
	if (!w) {
		free(msg);
		return -ENOMEM;
	}
	c->warnings = w;
	w[c->n_warnings++] = msg;
	w[c->n_warnings] = NULL;
	return 0;
}

int tdx_config_parse_bool(const char *v, bool *ret)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_unsigned(const char *v, unsigned max, unsigned *ret)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		return -EINVAL;
	*ret = (unsigned)n;
	return 0;
}

/* Whole seconds, 1 s .. 1 day: a zero timeout would make every wait fail. */
int tdx_config_parse_seconds(const char *v, uint64_t *ret)
{
	unsigned s;

	if (parse_unsigned(v, 86400, &s) < 0 || s == 0)
		return -EINVAL;
	*ret = (uint64_t)s * USEC_PER_SEC;
	return 0;
}

static int parse_enum(const char *v, const char *const *names, size_t n, int *ret)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcasecmp(v, names[i]) == 0) {
			*ret = (int)i;
			return 0;
		}
	return -EINVAL;
}

int tdx_config_set_string(char **field, const char *v)
{
	char *p = strdup(v);

	if (!p)
		return -ENOMEM;
	free(*field);
	*field = p;
	return 0;
}

/* Absolute path without "..": the daemon runs hooks and writes state there. */
int tdx_config_parse_path(const char *v, char **ret)
{
	if (v[0] != '/' || strstr(v, "/../") || strlen(v) >= PATH_MAX ||
	    (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0))
		return -EINVAL;
	return tdx_config_set_string(ret, v);
}

/* Kernel module names are [A-Za-z0-9_-]; anything else is a mistake. */
static int parse_module_name(const char *v, char **ret)
{
	if (strlen(v) > 64 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789_-") != strlen(v))
		return -EINVAL;
	return tdx_config_set_string(ret, v);
}

static int parse_target(const char *v, char **ret)
{
	struct tdx_version ver;

	if (v[0] && tdx_version_parse(v, &ver) < 0)
		return -EINVAL;
	return tdx_config_set_string(ret, v);
}

struct parse_state {
	char section[32];
	unsigned line;
	const char *source; /* a drop-in's path for warnings; NULL: the main file */
};

/* Returns 1 when the key is known and set, 0 when unknown, -errno for a bad value. */
static int config_set(struct tdx_config *c, struct parse_state *st, const char *k, const char *v)
{
	int e;

	if (strcmp(st->section, "Store") == 0) {
		if (strcmp(k, "Path") == 0)
			return tdx_config_parse_path(v, &c->store_path) ?: 1;
	} else if (strcmp(st->section, "Update") == 0) {
		if (strcmp(k, "AutoUpdate") == 0) {
			if (parse_enum(v, tdx_auto_update_table, ELEMENTSOF(tdx_auto_update_table),
				       &e) < 0)
				return -EINVAL;
			c->auto_update = e;
			return 1;
		}
		if (strcmp(k, "Target") == 0)
			return parse_target(v, &c->target) ?: 1;
		if (strcmp(k, "Reserve") == 0)
			return parse_unsigned(v, 1000, &c->reserve) ?: 1;
		if (strcmp(k, "StrictCompat") == 0)
			return tdx_config_parse_bool(v, &c->strict_compat) ?: 1;
		if (strcmp(k, "AllowDebug") == 0)
			return tdx_config_parse_bool(v, &c->allow_debug) ?: 1;
		if (strcmp(k, "TrustedSigningKeys") == 0)
			return tdx_trusted_keys_parse(v, &c->trusted_keys, NULL) ?: 1;
		if (strcmp(k, "ReapplyAtBoot") == 0)
			return tdx_config_parse_bool(v, &c->reapply_at_boot) ?: 1;
		if (strcmp(k, "UploadTimeoutSec") == 0)
			return tdx_config_parse_seconds(v, &c->upload_timeout_usec) ?: 1;
	} else if (strcmp(st->section, "Hooks") == 0) {
		if (strcmp(k, "Directory") == 0)
			return tdx_config_parse_path(v, &c->hook_dir) ?: 1;
		if (strcmp(k, "TimeoutSec") == 0)
			return tdx_config_parse_seconds(v, &c->hook_timeout_usec) ?: 1;
		return tdx_config_set_hooks(&c->hooks, k, v);
	} else if (strcmp(st->section, "Inhibit") == 0) {
		if (strcmp(k, "Mode") == 0) {
			if (parse_enum(v, tdx_inhibit_mode_table,
				       ELEMENTSOF(tdx_inhibit_mode_table), &e) < 0)
				return -EINVAL;
			c->inhibit_mode = e;
			return 1;
		}
		if (strcmp(k, "WaitTimeoutSec") == 0)
			return tdx_config_parse_seconds(v, &c->inhibit_wait_usec) ?: 1;
		if (strcmp(k, "MaxHoldSec") == 0)
			return tdx_config_parse_seconds(v, &c->inhibit_max_hold_usec) ?: 1;
		if (strcmp(k, "YoungTdSec") == 0) /* 0 (the default) turns it off */
			return strcmp(v, "0") == 0 ? (c->inhibit_young_td_usec = 0, 1)
						   : tdx_config_parse_seconds(v, &c->inhibit_young_td_usec) ?: 1;
	} else if (strcmp(st->section, "Daemon") == 0) {
		if (strcmp(k, "StateDirectory") == 0)
			return tdx_config_parse_path(v, &c->state_dir) ?: 1;
		if (strcmp(k, "KernelModule") == 0)
			return parse_module_name(v, &c->kernel_module) ?: 1;
		if (strcmp(k, "HistoryMax") == 0) {
			if (parse_unsigned(v, TDX_CONFIG_MAX_HISTORY, &c->history_max) < 0 ||
			    c->history_max == 0)
				return -EINVAL;
			return 1;
		}
	}
	return 0;
}

static char *strip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int config_line(struct tdx_config *c, struct parse_state *st, char *line,
		       struct tdx_diag *diag)
{
	char *s = strip(line), *eq, *k, *v;
	int r;

	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		size_t n = strlen(s);

		if (s[n - 1] != ']' || n - 2 >= sizeof(st->section) || n < 3)
			return tdx_diag_set(diag, -EINVAL, "line %u: malformed section header",
					    st->line);
		memcpy(st->section, s + 1, n - 2);
		st->section[n - 2] = '\0';
		return 0;
	}
	eq = strchr(s, '=');
	if (!eq)
		return tdx_diag_set(diag, -EINVAL, "line %u: expected Key=Value", st->line);
	*eq = '\0';
	k = strip(s);
	v = strip(eq + 1);
	if (!st->section[0])
		return tdx_diag_set(diag, -EINVAL, "line %u: %s= outside of a section", st->line,
				    k);
	r = config_set(c, st, k, v);
	if (r == 0)
		r = tdx_config_set_fleet(&c->fleet, st->section, k, v);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return tdx_diag_set(diag, r, "line %u: %s=%.64s is not a valid value", st->line, k,
				    v);
	if (r == 0)
		return config_warn(c, st->source, st->line, "unknown key", k);
	return 0;
}

int tdx_config_parse_into(struct tdx_config *c, const char *source, const char *text, size_t size,
			  struct tdx_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	struct parse_state st = {.source = source};
	char *line, *next;
	int r;

	if (size > TDX_CONFIG_MAX_SIZE)
		return tdx_diag_set(diag, -EFBIG, "larger than %u bytes", TDX_CONFIG_MAX_SIZE);
	if (memchr(text, '\0', size))
		return tdx_diag_set(diag, -EINVAL, "contains a NUL byte");
	buf = strndup(text, size);
	if (!buf)
		return -ENOMEM;
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		st.line++;
		r = config_line(c, &st, line, diag);
		if (r < 0)
			return r;
	}
	return 0;
}

int tdx_config_parse(const char *text, size_t size, struct tdx_config **ret, struct tdx_diag *diag)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = NULL;
	int r;

	r = tdx_config_new(&c);
	if (r < 0)
		return r;
	r = tdx_config_parse_into(c, NULL, text, size, diag);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int tdx_config_load(const char *path, struct tdx_config **ret, struct tdx_diag *diag)
{
	return tdx_config_load_found(path, ret, NULL, diag);
}

int tdx_config_load_found(const char *path, struct tdx_config **ret, bool *ret_found,
			  struct tdx_diag *diag)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = NULL;
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	int r;

	r = tdx_file_read_all(path, TDX_CONFIG_MAX_SIZE, &data, &size, diag);
	if (r == -ENOENT) {
		r = tdx_config_new(ret);
		if (r >= 0 && ret_found)
			*ret_found = false;
		return r;
	}
	if (r < 0) {
		tdx_diag_prefix(diag, path);
		return r;
	}
	r = tdx_config_new(&c);
	if (r < 0)
		return r;
	r = tdx_config_parse_into(c, path, (const char *)data, size, diag);
	if (r < 0) {
		tdx_diag_prefix(diag, path);
		return r;
	}
	*ret = TAKE_PTR(c);
	if (ret_found)
		*ret_found = true;
	return 0;
}
