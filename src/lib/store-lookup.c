// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A store of a few versions, looked up by their canonical names (store.h)
 * instead of walking every directory. Over a network file system (9p in the
 * VM tests) every directory opened and read is a round trip; an update to
 * a named version needs one entry, not the store.
 *
 * Each test mirrors what the scan accepts, so the entry is the scan's:
 * the directories on the way must be directories (symlinks followed) the
 * caller may read, as opendir() in the scan needs; a file counts when its
 * name exists and is not a directory once symlinks are followed (a
 * dangling symlink counts: reading it fails later with its own words, as
 * after a scan). Paths are spelled as the scan spells them. One stat per
 * file is all that goes to the file system; permission checks and paths
 * already walked stay in the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdx/sysfs.h>
#include <tdx/store.h>

#include "store-internal.h"

char *tdx_store_series_name(const struct tdx_version *v, char buf[static TDX_VERSION_STRING_MAX])
{
	snprintf(buf, TDX_VERSION_STRING_MAX, "%u.%u", v->major, v->minor);
	return buf;
}

/*
 * A directory the scan can list: opendir() needs read permission (checked
 * here without opening it: a permission check costs no round trip over a
 * network file system, an open does) and follows symlinks, as a path does.
 */
static bool dir_readable(int rfd, const char *rel)
{
	return faccessat(rfd, rel, R_OK | X_OK, AT_EACCESS) == 0;
}

/*
 * A name the scan would take as a file: it exists and is no directory,
 * symlinks followed. Resolving rel checks that each directory on the way
 * is one.
 */
static bool file_entry_exists(int rfd, const char *rel)
{
	struct stat st;

	if (fstatat(rfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (S_ISLNK(st.st_mode) && fstatat(rfd, rel, &st, 0) < 0)
		return true; /* dangling or looping: listed by the scan, fails when read */
	return !S_ISDIR(st.st_mode);
}

static char *path_of(const char *root, const char *rel)
{
	return tdx_strjoin(root, "/", rel, NULL);
}

static int lookup_joined(const struct tdx_store *s, int rfd, const struct tdx_version *v,
			 struct tdx_store_entry *e)
{
	char series[TDX_VERSION_STRING_MAX], ver[TDX_VERSION_STRING_MAX], dir[64], rel[160];

	snprintf(dir, sizeof(dir), "joined_files/%s", tdx_store_series_name(v, series));
	snprintf(rel, sizeof(rel), "%s/tdx_module_%s.blob", dir, tdx_version_format(v, ver));
	if (!file_entry_exists(rfd, rel) || !dir_readable(rfd, "joined_files") ||
	    !dir_readable(rfd, dir))
		return 0;
	e->blob_path = path_of(s->root, rel);
	return e->blob_path ? 0 : -ENOMEM;
}

static int lookup_separate(const struct tdx_store *s, int rfd, const struct tdx_version *v,
			   struct tdx_store_entry *e)
{
	char series[TDX_VERSION_STRING_MAX], ver[TDX_VERSION_STRING_MAX], dir[96], bin[200],
		sig[200];

	tdx_store_series_name(v, series);
	tdx_version_format(v, ver);
	snprintf(dir, sizeof(dir), "separate_files/%s/%s", series, ver);
	snprintf(bin, sizeof(bin), "%s/tdx_module_%s.bin", dir, ver);
	snprintf(sig, sizeof(sig), "%s/tdx_module_%s.sigstruct", dir, ver);
	if (!file_entry_exists(rfd, bin) || !file_entry_exists(rfd, sig) ||
	    !dir_readable(rfd, "separate_files") || !dir_readable(rfd, dir))
		return 0;
	/* the series directory too, between the two */
	*strrchr(dir, '/') = '\0';
	if (!dir_readable(rfd, dir))
		return 0;
	e->bin_path = path_of(s->root, bin);
	e->sigstruct_path = path_of(s->root, sig);
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
static int lookup_version(struct tdx_store *s, int rfd, const struct tdx_version *v)
{
	struct tdx_store_entry *e = &s->entries[s->n_entries];
	int r;

	*e = (struct tdx_store_entry){.version = *v, .keep_reads = true, .kept_fd = -EBADF};
	r = lookup_joined(s, rfd, v, e);
	if (r >= 0)
		r = lookup_separate(s, rfd, v, e);
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
	_cleanup_close_ int rfd = -EBADF;
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
	for (size_t i = 0; rfd >= 0 && i < n_versions; i++) {
		if (i > 0 && tdx_version_equal(&sorted[i - 1], &sorted[i]))
			continue;
		r = lookup_version(s, rfd, &sorted[i]);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(s);
	return 0;
}
