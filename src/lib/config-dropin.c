// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxd.conf.d drop-ins. Config management ships fleet settings as one file
 * (e.g. /etc/tdxd/tdxd.conf.d/50-fleet.conf) instead of editing tdxd.conf,
 * and a vendor default in /usr/lib can be replaced or masked by name, with
 * the rules of Zincati's config.d (liboverdrop): names merged in lexical
 * order, the last directory holding a name wins, /dev/null masks.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config-internal.h"
#include <tdx/sysfs.h>
#include <tdx/tdxd-conf.h>
#include <tdx/image.h>

const char *const TDX_CONFIG_DROPIN_DIRS[] = {
	"/usr/lib/tdxd",
	SYSCONFDIR "/tdxd",
	"/run/tdxd",
	NULL,
};

struct dropin {
	char *name; /* "50-fleet.conf" */
	char *path; /* the winning directory's file */
};

char **tdx_strv_free(char **v)
{
	if (!v)
		return NULL;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
	return NULL;
}

static int strv_push(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 2) * sizeof(char *));

	if (!grown)
		return -ENOMEM;
	*v = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return -ENOMEM;
	grown[++*n] = NULL;
	return 0;
}

int tdx_config_dropin_dirs_for(const char *path, char ***ret)
{
	_cleanup_free_ char *copy = strdup(path);
	char **v = calloc(1, sizeof(char *));
	size_t n = 0;
	int r = 0;

	if (!copy || !v) {
		free(v);
		return -ENOMEM;
	}
	if (strcmp(path, TDX_CONFIG_DEFAULT_PATH) == 0) {
		for (size_t i = 0; TDX_CONFIG_DROPIN_DIRS[i] && r >= 0; i++)
			r = strv_push(&v, &n, TDX_CONFIG_DROPIN_DIRS[i]);
	} else
		r = strv_push(&v, &n, dirname(copy));
	if (r < 0) {
		tdx_strv_free(v);
		return r;
	}
	*ret = v;
	return 0;
}

static bool is_dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* A symlink to /dev/null, or the null device itself, masks a name. */
static bool is_masked(const char *path)
{
	char target[16];
	struct stat st;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (strcmp(target, "/dev/null") == 0)
			return true;
	}
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static void dropins_free(struct dropin *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].name);
		free(d[i].path);
	}
	free(d);
}

/* Adds or replaces name (a later directory wins). */
static int dropins_put(struct dropin **d, size_t *n, const char *dir, const char *name)
{
	char *path;
	size_t i;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	for (i = 0; i < *n; i++)
		if (strcmp((*d)[i].name, name) == 0) {
			free((*d)[i].path);
			(*d)[i].path = path;
			return 0;
		}
	if (*n >= TDX_CONFIG_DROPIN_MAX) {
		free(path);
		return -E2BIG;
	}
	struct dropin *grown = realloc(*d, (*n + 1) * sizeof(**d));
	if (!grown) {
		free(path);
		return -ENOMEM;
	}
	*d = grown;
	grown[*n] = (struct dropin){.name = strdup(name), .path = path};
	if (!grown[*n].name) {
		free(path);
		return -ENOMEM;
	}
	++*n;
	return 0;
}

static int dropins_scan_dir(const char *base, struct dropin **d, size_t *n, struct tdx_diag *diag)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent *de;
	DIR *dp;
	int r = 0;

	dir = tdx_strjoin(base, "/", TDX_CONFIG_DROPIN_SUBDIR, NULL);
	if (!dir)
		return -ENOMEM;
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT || errno == ENOTDIR
			       ? 0
			       : tdx_diag_set(diag, -errno, "%s: cannot list: %s", dir,
					      strerror(errno));
	while (r >= 0 && (de = readdir(dp)))
		if (is_dropin_name(de->d_name))
			r = dropins_put(d, n, dir, de->d_name);
	closedir(dp);
	if (r == -E2BIG)
		return tdx_diag_set(diag, r, "%s: more than %u drop-ins", dir,
				    TDX_CONFIG_DROPIN_MAX);
	return r;
}

static int dropin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

static int config_apply_file(struct tdx_config *c, const char *path, struct tdx_diag *diag)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	int r;

	r = tdx_file_read_all(path, TDX_CONFIG_MAX_SIZE, &data, &size, diag);
	if (r >= 0)
		r = tdx_config_parse_into(c, path, (const char *)data, size, diag);
	if (r < 0) {
		tdx_diag_prefix(diag, path);
		return r;
	}
	return strv_push(&c->sources, &c->n_sources, path);
}

static int config_apply_dropins(struct tdx_config *c, const char *const *dirs,
				struct tdx_diag *diag)
{
	struct dropin *d = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; dirs && dirs[i] && r >= 0; i++)
		r = dropins_scan_dir(dirs[i], &d, &n, diag);
	if (r >= 0 && n > 0)
		qsort(d, n, sizeof(*d), dropin_cmp);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (!is_masked(d[i].path))
			r = config_apply_file(c, d[i].path, diag);
	dropins_free(d, n);
	return r;
}

int tdx_config_load_dropins(const char *path, const char *const *dirs, struct tdx_config **ret,
			    struct tdx_diag *diag)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = NULL;
	bool found = false;
	int r;

	r = tdx_config_load_found(path, &c, &found, diag);
	if (r < 0)
		return r;
	if (found) {
		r = strv_push(&c->sources, &c->n_sources, path);
		if (r < 0)
			return r;
	}
	r = config_apply_dropins(c, dirs, diag);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int tdx_config_load_all(const char *path, struct tdx_config **ret, struct tdx_diag *diag)
{
	char **dirs = NULL;
	int r;

	r = tdx_config_dropin_dirs_for(path, &dirs);
	if (r < 0)
		return r;
	r = tdx_config_load_dropins(path, (const char *const *)dirs, ret, diag);
	tdx_strv_free(dirs);
	return r;
}
