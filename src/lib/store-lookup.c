// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A store of a few versions, looked up by their canonical names (store.h)
 * instead of walking every directory. Over a network file system (9p in the
 * VM tests) every directory opened and read is a round trip; an update to
 * a named version needs one entry, not the store.
 *
 * Each test mirrors what the scan accepts, so the entry is the scan's:
 * directories are opened (read permission, symlinks followed, as opendir()
 * in the scan), a file counts when its name exists and is not a directory
 * once symlinks are followed (a dangling symlink counts: reading it fails
 * later with its own words, as after a scan). Paths are spelled as the scan
 * spells them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdx/store.h>

#include "store-internal.h"

char *tdx_store_series_name(const struct tdx_version *v, char buf[static TDX_VERSION_STRING_MAX])
{
	snprintf(buf, TDX_VERSION_STRING_MAX, "%u.%u", v->major, v->minor);
	return buf;
}

static int open_dir_at(int dfd, const char *name)
{
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* A name the scan would take as a file: it exists and is no directory, symlinks followed. */
static bool file_entry_exists(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (S_ISLNK(st.st_mode) && fstatat(dfd, name, &st, 0) < 0)
		return true; /* dangling or looping: listed by the scan, fails when read */
	return !S_ISDIR(st.st_mode);
}

static char *path_of(const char *root, const char *tree, const char *series, const char *dir,
		     const char *file)
{
	char *p;

	if (dir)
		return asprintf(&p, "%s/%s/%s/%s/%s", root, tree, series, dir, file) < 0 ? NULL : p;
	return asprintf(&p, "%s/%s/%s/%s", root, tree, series, file) < 0 ? NULL : p;
}

/* The two trees of the store, opened once; -1 when the scan could not read one either. */
struct trees {
	int joined;
	int separate;
};

static int lookup_joined(const struct tdx_store *s, const struct trees *t,
			 const struct tdx_version *v, struct tdx_store_entry *e)
{
	char series[TDX_VERSION_STRING_MAX], ver[TDX_VERSION_STRING_MAX], name[80];
	_cleanup_close_ int sfd = -EBADF;

	if (t->joined < 0)
		return 0;
	sfd = open_dir_at(t->joined, tdx_store_series_name(v, series));
	snprintf(name, sizeof(name), "tdx_module_%s.blob", tdx_version_format(v, ver));
	if (sfd < 0 || !file_entry_exists(sfd, name))
		return 0;
	e->blob_path = path_of(s->root, "joined_files", series, NULL, name);
	return e->blob_path ? 0 : -ENOMEM;
}

static int lookup_separate(const struct tdx_store *s, const struct trees *t,
			   const struct tdx_version *v, struct tdx_store_entry *e)
{
	char series[TDX_VERSION_STRING_MAX], ver[TDX_VERSION_STRING_MAX], bin[80], sig[80];
	_cleanup_close_ int sfd = -EBADF, vfd = -EBADF;

	if (t->separate < 0)
		return 0;
	sfd = open_dir_at(t->separate, tdx_store_series_name(v, series));
	if (sfd < 0)
		return 0;
	vfd = open_dir_at(sfd, tdx_version_format(v, ver));
	snprintf(bin, sizeof(bin), "tdx_module_%s.bin", ver);
	snprintf(sig, sizeof(sig), "tdx_module_%s.sigstruct", ver);
	if (vfd < 0 || !file_entry_exists(vfd, bin) || !file_entry_exists(vfd, sig))
		return 0;
	e->bin_path = path_of(s->root, "separate_files", series, ver, bin);
	e->sigstruct_path = path_of(s->root, "separate_files", series, ver, sig);
	return e->bin_path && e->sigstruct_path ? 0 : -ENOMEM;
}

static const struct tdx_release *find_release(const struct tdx_mapping *m,
					      const struct tdx_version *v)
{
	for (size_t i = 0; i < m->n_releases; i++)
		if (tdx_version_equal(&m->releases[i].version, v))
			return &m->releases[i];
	return NULL;
}

/* Adds the entry of v when the store has an image of it (one form or both). */
static int lookup_version(struct tdx_store *s, const struct trees *t, const struct tdx_version *v)
{
	struct tdx_store_entry *e = &s->entries[s->n_entries];
	int r;

	*e = (struct tdx_store_entry){.version = *v, .keep_sigstruct = true};
	r = lookup_joined(s, t, v, e);
	if (r >= 0)
		r = lookup_separate(s, t, v, e);
	if (r < 0 || (!e->blob_path && !e->bin_path)) {
		free(e->blob_path);
		free(e->bin_path);
		free(e->sigstruct_path);
		return r;
	}
	e->release = find_release(s->mapping, v);
	s->n_entries++;
	return 0;
}

static int cmp_version(const void *a, const void *b)
{
	return tdx_version_compare(a, b);
}

int tdx_store_lookup(const char *root, const struct tdx_version *versions, size_t n_versions,
		     struct tdx_store **ret, struct tdx_diag *diag)
{
	_cleanup_(tdx_store_freep) struct tdx_store *s = NULL;
	_cleanup_free_ struct tdx_version *sorted = NULL;
	_cleanup_close_ int rfd = -EBADF, joined = -EBADF, separate = -EBADF;
	struct trees t;
	int r;

	r = store_open(root, &s, diag);
	if (r < 0)
		return r;
	/* sorted and without repeats, as the entries of a scan */
	sorted = reallocarray(NULL, n_versions ? n_versions : 1, sizeof(*sorted));
	s->entries = calloc(n_versions ? n_versions : 1, sizeof(*s->entries));
	if (!sorted || !s->entries)
		return -ENOMEM;
	if (n_versions > 0)
		memcpy(sorted, versions, n_versions * sizeof(*sorted));
	qsort(sorted, n_versions, sizeof(*sorted), cmp_version);
	/* O_PATH: the scan needs no read permission on the root either */
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd >= 0) {
		joined = open_dir_at(rfd, "joined_files");
		separate = open_dir_at(rfd, "separate_files");
	}
	t = (struct trees){joined, separate};
	for (size_t i = 0; i < n_versions; i++) {
		if (i > 0 && tdx_version_equal(&sorted[i - 1], &sorted[i]))
			continue;
		r = lookup_version(s, &t, &sorted[i]);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(s);
	return 0;
}
