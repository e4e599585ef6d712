// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A module store in the layout of Intel's binaries repository (store.h). A
 * scan only reads directories and the mapping file: a store of thousands of
 * modules must list in milliseconds, so names are trusted for the listing and
 * the files themselves are read lazily (peek: header and sigstruct in one
 * pread, no RSA), verified only for candidates that pass every other rule
 * (verify), or read whole for the one image that gets installed (load:
 * everything, fully validated).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdx/sysfs.h>
#include <tdx/store.h>

#include "fileio-internal.h"
#include "store-internal.h"

#define MODULE_PREFIX "tdx_module_"

/* One image found on disk, before entries of the same version are merged. */
struct found {
	struct tdx_version version;
	char *blob_path;
	char *bin_path;
	char *sigstruct_path;
};

static void found_done(struct found *f)
{
	free(f->blob_path);
	free(f->bin_path);
	free(f->sigstruct_path);
}

struct scan {
	struct tdx_store *store;
	struct found *found;
	size_t n_found, alloc_found;
	size_t alloc_problems;
};

static int grow(void **array, size_t *alloc, size_t n, size_t elem_size)
{
	size_t want;
	void *p;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 16;
	p = reallocarray(*array, want, elem_size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*alloc = want;
	return 0;
}

static int add_problem(struct scan *sc, const char *path, const char *fmt, ...) _printf_(3, 4);
static int add_problem(struct scan *sc, const char *path, const char *fmt, ...)
{
	struct tdx_store *s = sc->store;
	struct tdx_store_problem *p;
	va_list ap;
	int r;

	r = grow((void **)&s->problems, &sc->alloc_problems, s->n_problems, sizeof(*s->problems));
	if (r < 0)
		return r;
	p = &s->problems[s->n_problems];
	p->path = strdup(path);
	va_start(ap, fmt);
	r = vasprintf(&p->message, fmt, ap);
	va_end(ap);
	if (r < 0)
		p->message = NULL;
	if (!p->path || !p->message) {
		free(p->path);
		free(p->message);
		return -ENOMEM;
	}
	s->n_problems++;
	return 0;
}

static bool all_digits_and_dots(const char *s, size_t len)
{
	return len > 0 && strspn(s, "0123456789.") >= len;
}

/* "X.Y" (^\d+\.\d+$) as Intel's tool requires for series directories. */
static bool parse_series(const char *name, struct tdx_version *ret)
{
	char buf[TDX_VERSION_STRING_MAX];
	size_t len = strlen(name);

	if (!all_digits_and_dots(name, len) || len + 3 > sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s.0", name);
	return tdx_version_parse(buf, ret) == 0;
}

/*
 * Each version has one spelling in the store's names, the one tdxctl prints
 * (store.h). With two spellings ("1.5.6" beside "1.5.06") two files would
 * claim one version and the directory order would pick the one installed;
 * and a version could no longer be looked up by name (tdx_store_lookup()).
 */
static bool is_canonical_series(const char *name, const struct tdx_version *series)
{
	char buf[TDX_VERSION_STRING_MAX];

	tdx_store_series_name(series, buf);
	return strcmp(name, buf) == 0;
}

static bool is_canonical_version(const char *s, size_t len, const struct tdx_version *v)
{
	char buf[TDX_VERSION_STRING_MAX];

	tdx_version_format(v, buf);
	return strlen(buf) == len && memcmp(buf, s, len) == 0;
}

/* "tdx_module_X.Y.ZZ<suffix>". */
static bool parse_module_name(const char *name, const char *suffix, struct tdx_version *ret)
{
	size_t len = strlen(name), plen = strlen(MODULE_PREFIX), slen = strlen(suffix);
	char buf[TDX_VERSION_STRING_MAX];
	size_t vlen;

	if (len <= plen + slen || strncmp(name, MODULE_PREFIX, plen) != 0 ||
	    strcmp(name + len - slen, suffix) != 0)
		return false;
	vlen = len - plen - slen;
	if (vlen >= sizeof(buf) || !all_digits_and_dots(name + plen, vlen))
		return false;
	memcpy(buf, name + plen, vlen);
	buf[vlen] = '\0';
	return tdx_version_parse(buf, ret) == 0;
}

/* Whether a name parse_module_name() accepted spells its version the one way. */
static bool is_canonical_module_name(const char *name, const char *suffix,
				     const struct tdx_version *v)
{
	size_t plen = strlen(MODULE_PREFIX);

	return is_canonical_version(name + plen, strlen(name) - plen - strlen(suffix), v);
}

/* "not the canonical name of 1.5.06 (tdx_module_1.5.06.blob)" */
static int add_spelling_problem(struct scan *sc, const char *path, const char *what,
				const char *prefix, const char *canonical, const char *suffix)
{
	return add_problem(sc, path, "not the canonical name of %s (%s%s%s)", what, prefix,
			   canonical, suffix);
}

/* d_type spares a stat per entry; symlinks are followed (a packaged store may use them). */
static bool is_dir_entry(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return de->d_type == DT_DIR;
	return fstatat(dfd, de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static bool is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static char *path_join(const char *a, const char *b)
{
	return tdx_strjoin(a, "/", b, NULL);
}

static int add_found(struct scan *sc, const struct tdx_version *v, char *blob, char *bin, char *sig)
{
	int r = grow((void **)&sc->found, &sc->alloc_found, sc->n_found, sizeof(*sc->found));

	if (r < 0) {
		free(blob);
		free(bin);
		free(sig);
		return r;
	}
	sc->found[sc->n_found++] = (struct found){*v, blob, bin, sig};
	return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

typedef int (*entry_fn)(struct scan *sc, const char *dir, int dfd, const struct dirent *de,
			void *ctx);

/* Calls fn for each entry of dir except . and ..; a missing dir is no problem. */
static int for_each_entry(struct scan *sc, const char *dir, entry_fn fn, void *ctx)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	int r;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return add_problem(sc, dir, "cannot open directory: %s", strerror(errno));
	}
	while ((errno = 0, de = readdir(d))) {
		if (is_dot(de->d_name))
			continue;
		r = fn(sc, dir, dirfd(d), de, ctx);
		if (r < 0)
			return r;
	}
	if (errno != 0)
		return add_problem(sc, dir, "cannot read directory: %s", strerror(errno));
	return 0;
}

static int joined_file(struct scan *sc, const char *dir, int dfd, const struct dirent *de,
		       void *ctx)
{
	const struct tdx_version *series = ctx;
	_cleanup_free_ char *path = path_join(dir, de->d_name);
	char buf[TDX_VERSION_STRING_MAX];
	struct tdx_version v;

	if (!path)
		return -ENOMEM;
	if (is_dir_entry(dfd, de) || !parse_module_name(de->d_name, ".blob", &v))
		return add_problem(sc, path, "not a tdx_module_X.Y.ZZ.blob file");
	if (!is_canonical_module_name(de->d_name, ".blob", &v))
		return add_spelling_problem(sc, path, tdx_version_format(&v, buf), MODULE_PREFIX,
					    buf, ".blob");
	if (!tdx_version_same_series(&v, series))
		return add_problem(sc, path, "version %u.%u.%02u is not in series %u.%u", v.major,
				   v.minor, v.update, series->major, series->minor);
	return add_found(sc, &v, TAKE_PTR(path), NULL, NULL);
}

/* The files of separate_files/X.Y/X.Y.ZZ/: exactly the .bin and .sigstruct of that version. */
struct separate_files {
	struct tdx_version version;
	char *bin_path;
	char *sigstruct_path;
};

static int separate_file(struct scan *sc, const char *dir, int dfd, const struct dirent *de,
			 void *ctx)
{
	struct separate_files *sf = ctx;
	_cleanup_free_ char *path = path_join(dir, de->d_name);
	char buf[TDX_VERSION_STRING_MAX];
	const char *suffix = NULL;
	struct tdx_version v;
	char **slot = NULL;

	if (!path)
		return -ENOMEM;
	if (!is_dir_entry(dfd, de)) {
		if (parse_module_name(de->d_name, ".bin", &v))
			slot = &sf->bin_path, suffix = ".bin";
		else if (parse_module_name(de->d_name, ".sigstruct", &v))
			slot = &sf->sigstruct_path, suffix = ".sigstruct";
	}
	if (!slot)
		return add_problem(sc, path, "not a tdx_module_X.Y.ZZ.bin or .sigstruct file");
	if (!tdx_version_equal(&v, &sf->version))
		return add_problem(sc, path, "file version does not match its directory");
	if (!is_canonical_module_name(de->d_name, suffix, &v))
		return add_spelling_problem(sc, path, tdx_version_format(&v, buf), MODULE_PREFIX,
					    buf, suffix);
	free(*slot);
	*slot = TAKE_PTR(path);
	return 0;
}

static int separate_version_dir(struct scan *sc, const char *dir, int dfd, const struct dirent *de,
				void *ctx)
{
	const struct tdx_version *series = ctx;
	_cleanup_free_ char *path = path_join(dir, de->d_name);
	char buf[TDX_VERSION_STRING_MAX];
	struct separate_files sf = {};
	int r;

	if (!path)
		return -ENOMEM;
	if (!is_dir_entry(dfd, de) || !all_digits_and_dots(de->d_name, strlen(de->d_name)) ||
	    tdx_version_parse(de->d_name, &sf.version) < 0)
		return add_problem(sc, path, "not an X.Y.ZZ version directory");
	if (!tdx_version_same_series(&sf.version, series))
		return add_problem(sc, path, "version %s is not in series %u.%u", de->d_name,
				   series->major, series->minor);
	if (!is_canonical_version(de->d_name, strlen(de->d_name), &sf.version))
		return add_spelling_problem(sc, path, tdx_version_format(&sf.version, buf), "", buf,
					    "");
	r = for_each_entry(sc, path, separate_file, &sf);
	if (r >= 0 && (!sf.bin_path || !sf.sigstruct_path))
		r = add_problem(sc, path, "needs both tdx_module_%s.bin and .sigstruct",
				de->d_name);
	else if (r >= 0)
		return add_found(sc, &sf.version, NULL, TAKE_PTR(sf.bin_path),
				 TAKE_PTR(sf.sigstruct_path));
	free(sf.bin_path);
	free(sf.sigstruct_path);
	return r;
}

/* What to do with the entries of each X.Y directory of a tree. */
struct series_walk {
	entry_fn fn;
};

/* A series directory X.Y under joined_files/ or separate_files/; ctx is a series_walk. */
static int series_dir(struct scan *sc, const char *dir, int dfd, const struct dirent *de, void *ctx)
{
	_cleanup_free_ char *path = path_join(dir, de->d_name);
	const struct series_walk *walk = ctx;
	struct tdx_version series;

	if (!path)
		return -ENOMEM;
	if (!is_dir_entry(dfd, de) || !parse_series(de->d_name, &series))
		return add_problem(sc, path, "not an X.Y series directory");
	if (!is_canonical_series(de->d_name, &series)) {
		char buf[TDX_VERSION_STRING_MAX], what[TDX_VERSION_STRING_MAX + 8];

		tdx_store_series_name(&series, buf);
		snprintf(what, sizeof(what), "series %s", buf);
		return add_spelling_problem(sc, path, what, "", buf, "");
	}
	return for_each_entry(sc, path, walk->fn, &series);
}

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return tdx_version_compare(&x->version, &y->version);
}

/* Merges the sorted finds into one entry per version. */
static int build_entries(struct scan *sc)
{
	struct tdx_store *s = sc->store;

	if (sc->n_found > 0)
		qsort(sc->found, sc->n_found, sizeof(*sc->found), cmp_found);
	s->entries = calloc(sc->n_found ? sc->n_found : 1, sizeof(*s->entries));
	if (!s->entries)
		return -ENOMEM;
	for (size_t i = 0; i < sc->n_found; i++) {
		struct found *f = &sc->found[i];
		struct tdx_store_entry *e = &s->entries[s->n_entries];

		if (s->n_entries == 0 || !tdx_version_equal(&e[-1].version, &f->version)) {
			*e = (struct tdx_store_entry){.version = f->version};
			s->n_entries++;
		} else {
			e = &e[-1];
		}
		if (f->blob_path && !e->blob_path)
			e->blob_path = TAKE_PTR(f->blob_path);
		if (f->bin_path && !e->bin_path) {
			e->bin_path = TAKE_PTR(f->bin_path);
			e->sigstruct_path = TAKE_PTR(f->sigstruct_path);
		}
	}
	return 0;
}

/* Both lists are sorted: one merge pass pairs entries with releases. */
static int match_mapping(struct scan *sc)
{
	struct tdx_store *s = sc->store;
	const struct tdx_mapping *m = s->mapping;
	size_t i = 0, j = 0;
	int r;

	s->missing_images = calloc(m->n_releases ? m->n_releases : 1, sizeof(*s->missing_images));
	if (!s->missing_images)
		return -ENOMEM;
	while (i < s->n_entries || j < m->n_releases) {
		int c = i == s->n_entries    ? 1
			: j == m->n_releases ? -1
					     : tdx_version_compare(&s->entries[i].version,
								   &m->releases[j].version);

		if (c == 0) {
			s->entries[i++].release = &m->releases[j++];
		} else if (c < 0) {
			struct tdx_store_entry *e = &s->entries[i++];

			r = add_problem(sc, e->blob_path ? e->blob_path : e->bin_path,
					"no entry for %u.%u.%02u in mapping_file.json",
					e->version.major, e->version.minor, e->version.update);
			if (r < 0)
				return r;
		} else {
			s->missing_images[s->n_missing_images++] = m->releases[j++].version;
		}
	}
	return 0;
}

/*
 * One tree (joined_files/ or separate_files/): every series directory, or
 * only the one of series. The tree itself must be listable either way, as
 * the full walk lists it; only its other series are left out.
 */
static int walk_tree(struct scan *sc, const char *tree, struct series_walk *walk,
		     const struct tdx_version *series)
{
	_cleanup_free_ char *path = path_join(sc->store->root, tree), *dir = NULL;
	char name[TDX_VERSION_STRING_MAX];

	if (!path)
		return -ENOMEM;
	if (!series)
		return for_each_entry(sc, path, series_dir, walk);
	if (faccessat(AT_FDCWD, path, R_OK | X_OK, AT_EACCESS) < 0)
		return 0;
	dir = path_join(path, tdx_store_series_name(series, name));
	if (!dir)
		return -ENOMEM;
	return for_each_entry(sc, dir, walk->fn, (void *)series);
}

static int scan_tree(struct scan *sc, const struct tdx_version *series)
{
	struct series_walk joined_walk = {joined_file}, separate_walk = {separate_version_dir};
	int r;

	r = walk_tree(sc, "joined_files", &joined_walk, series);
	if (r < 0)
		return r;
	r = walk_tree(sc, "separate_files", &separate_walk, series);
	if (r < 0)
		return r;
	r = build_entries(sc);
	if (r < 0)
		return r;
	return match_mapping(sc);
}

int store_open(const char *root, struct tdx_store **ret, struct tdx_diag *diag)
{
	_cleanup_(tdx_store_freep) struct tdx_store *s = NULL;
	_cleanup_free_ char *mapping_path = NULL;
	struct stat st;
	int r;

	if (stat(root, &st) < 0) {
		r = negative_errno();
		return tdx_diag_set(diag, r, "%s: %s", root, strerror(-r));
	}
	if (!S_ISDIR(st.st_mode))
		return tdx_diag_set(diag, -ENOTDIR, "%s: not a directory", root);
	s = calloc(1, sizeof(*s));
	if (!s || !(s->root = strdup(root)) ||
	    !(mapping_path = path_join(root, "mapping_file.json")))
		return -ENOMEM;
	r = tdx_mapping_load(mapping_path, &s->mapping, diag);
	if (r < 0) {
		tdx_diag_prefix(diag, "mapping_file.json");
		return r;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

static int scan(const char *root, const struct tdx_version *series, struct tdx_store **ret,
		struct tdx_diag *diag)
{
	_cleanup_(tdx_store_freep) struct tdx_store *s = NULL;
	struct scan sc = {};
	int r;

	r = store_open(root, &s, diag);
	if (r < 0)
		return r;
	sc.store = s;
	r = scan_tree(&sc, series);
	for (size_t i = 0; i < sc.n_found; i++)
		found_done(&sc.found[i]);
	free(sc.found);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

int tdx_store_scan(const char *root, struct tdx_store **ret, struct tdx_diag *diag)
{
	return scan(root, NULL, ret, diag);
}

int tdx_store_scan_series(const char *root, const struct tdx_version *series,
			  struct tdx_store **ret, struct tdx_diag *diag)
{
	return scan(root, series, ret, diag);
}

struct tdx_store *tdx_store_free(struct tdx_store *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_entries; i++) {
		free(s->entries[i].blob_path);
		free(s->entries[i].bin_path);
		free(s->entries[i].sigstruct_path);
		free((uint32_t *)s->entries[i].sig.cpuid_table);
		free(s->entries[i].sig_error);
		free(s->entries[i].kept_sigstruct);
		if (s->entries[i].keep_reads)
			safe_close(s->entries[i].kept_fd);
	}
	for (size_t i = 0; i < s->n_problems; i++) {
		free(s->problems[i].path);
		free(s->problems[i].message);
	}
	free(s->entries);
	free(s->problems);
	free(s->missing_images);
	tdx_mapping_free(s->mapping);
	free(s->root);
	free(s);
	return NULL;
}

static int cmp_entry_version(const void *key, const void *elem)
{
	const struct tdx_store_entry *e = elem;

	return tdx_version_compare(key, &e->version);
}

struct tdx_store_entry *tdx_store_find(const struct tdx_store *s, const struct tdx_version *v)
{
	if (!s || s->n_entries == 0)
		return NULL;
	return bsearch(v, s->entries, s->n_entries, sizeof(*s->entries), cmp_entry_version);
}

/* As tdx_image_file_read_sigstruct(), keeping the file open for the load. */
static int read_blob_sigstruct_keep_fd(struct tdx_store_entry *e, uint8_t sig[TDX_SIGSTRUCT_SIZE],
				       struct tdx_diag *diag)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	fd = tdx_file_open_regular(e->blob_path, &st, diag);
	if (fd < 0)
		return fd;
	r = tdx_image_fd_read_sigstruct(fd, &st, &e->blob_format, &e->blob_size, sig, diag);
	if (r < 0)
		return r;
	safe_close(e->kept_fd);
	e->kept_fd = TAKE_FD(fd);
	return 0;
}

/* The 2 KiB sigstruct as stored: from the blob when there is one, else the separate file. */
static int read_sigstruct(struct tdx_store_entry *e, uint8_t sig[TDX_SIGSTRUCT_SIZE],
			  struct tdx_diag *diag)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;
	int r;

	/* The blob is what gets installed when there is one; its sigstruct is the one that counts.
	 */
	if (e->blob_path && e->keep_reads) {
		r = read_blob_sigstruct_keep_fd(e, sig, diag);
		if (r < 0)
			tdx_diag_prefix(diag, e->blob_path);
		return r;
	}
	if (e->blob_path) {
		r = tdx_image_file_read_sigstruct(e->blob_path, &e->blob_format, &e->blob_size, sig,
						  diag);
		if (r < 0)
			tdx_diag_prefix(diag, e->blob_path);
		return r;
	}
	if (!e->sigstruct_path)
		return tdx_diag_set(diag, -ENOENT, "no image");
	r = tdx_file_read_all(e->sigstruct_path, TDX_V1_MAX_SIGSTRUCT_PAGES * TDX_PAGE_SIZE, &data,
			      &size, diag);
	if (r >= 0 && size < TDX_SIGSTRUCT_SIZE)
		r = tdx_diag_set(diag, -EINVAL, "sigstruct is %zu bytes, expected %u", size,
				 TDX_SIGSTRUCT_SIZE);
	if (r < 0) {
		tdx_diag_prefix(diag, e->sigstruct_path);
		return r;
	}
	memcpy(sig, data, TDX_SIGSTRUCT_SIZE);
	return 0;
}

/* Keeps the summary of sig in e, with a copy of the cpuid table (only the slots in use). */
static int entry_keep_sig(struct tdx_store_entry *e, const struct tdx_sigstruct_info *sig)
{
	uint32_t *table = NULL;

	tdx_sigstruct_summarize(sig, &e->sig);
	if (e->sig.cpuid_count > 0) {
		table = reallocarray(NULL, e->sig.cpuid_count, sizeof(*table));
		if (!table) {
			e->sig = (struct tdx_sigstruct_summary){};
			return -ENOMEM;
		}
		memcpy(table, sig->cpuid_table, e->sig.cpuid_count * sizeof(*table));
	}
	e->sig.cpuid_table = table;
	return 0;
}

/* Drops what an earlier read kept. */
static void entry_forget(struct tdx_store_entry *e)
{
	free((uint32_t *)e->sig.cpuid_table);
	e->sig = (struct tdx_sigstruct_summary){};
	free(e->sig_error);
	e->sig_error = NULL;
	e->sig_state = TDX_SIG_NOT_READ;
}

/*
 * The raw sigstruct: the copy kept by the first read when the entry keeps one
 * (a looked-up target is peeked, then verified), else read from the store.
 */
static int entry_sigstruct(struct tdx_store_entry *e, uint8_t raw[TDX_SIGSTRUCT_SIZE],
			   struct tdx_diag *diag)
{
	int r;

	if (e->kept_sigstruct) {
		memcpy(raw, e->kept_sigstruct, TDX_SIGSTRUCT_SIZE);
		return 0;
	}
	r = read_sigstruct(e, raw, diag);
	if (r >= 0 && e->keep_reads) {
		e->kept_sigstruct = malloc(TDX_SIGSTRUCT_SIZE);
		if (e->kept_sigstruct)
			memcpy(e->kept_sigstruct, raw, TDX_SIGSTRUCT_SIZE);
	}
	return r;
}

/* Reads the sigstruct again and keeps its fields, with the RSA step when verify is set. */
static int entry_read(struct tdx_store_entry *e, bool verify, struct tdx_diag *diag)
{
	uint8_t raw[TDX_SIGSTRUCT_SIZE];
	struct tdx_diag local = {};
	struct tdx_sigstruct_info sig;
	int r;

	r = entry_sigstruct(e, raw, &local);
	if (r >= 0)
		r = verify ? tdx_sigstruct_parse(raw, sizeof(raw), &sig, &local)
			   : tdx_sigstruct_peek(raw, sizeof(raw), &sig, &local);
	entry_forget(e);
	if (r < 0) {
		e->sig_error = strdup(local.msg);
		if (!e->sig_error)
			return -ENOMEM; /* not read: the next look tries again */
		e->sig_state = TDX_SIG_ERROR;
		return tdx_diag_set(diag, r, "%s", local.msg);
	}
	r = entry_keep_sig(e, &sig);
	if (r < 0)
		return r;
	e->sig_state = TDX_SIG_OK;
	return 0;
}

int tdx_store_entry_peek(struct tdx_store_entry *e, struct tdx_diag *diag)
{
	if (e->sig_state == TDX_SIG_OK)
		return 0;
	if (e->sig_state == TDX_SIG_ERROR)
		return tdx_diag_set(diag, -EBADMSG, "%s", e->sig_error);
	return entry_read(e, false, diag);
}

int tdx_store_entry_verify(struct tdx_store_entry *e, struct tdx_diag *diag)
{
	int r = tdx_store_entry_peek(e, diag);

	if (r < 0 || e->sig.signature.status != TDX_SIGNATURE_UNCHECKED)
		return r;
	/*
	 * Read again unless the entry keeps its sigstruct: 2 KiB for each entry
	 * of a scan would be 20 MB for 10,000 images.
	 */
	return entry_read(e, true, diag);
}

void tdx_store_peek_all(struct tdx_store *s)
{
	for (size_t i = 0; i < s->n_entries; i++)
		(void)tdx_store_entry_peek(&s->entries[i], NULL);
}

/* Joins the separate pair straight into the wanted format. */
static int join_separate(const struct tdx_store_entry *e, enum tdx_image_format want,
			 uint8_t **ret_data, size_t *ret_size, struct tdx_diag *diag)
{
	_cleanup_free_ uint8_t *bin = NULL, *sig = NULL;
	size_t bin_size, sig_size;
	int r;

	r = tdx_file_read_all(e->bin_path, TDX_MAX_MODULE_PAGES * TDX_PAGE_SIZE, &bin, &bin_size,
			      diag);
	if (r < 0) {
		tdx_diag_prefix(diag, e->bin_path);
		return r;
	}
	r = tdx_file_read_all(e->sigstruct_path, TDX_V1_MAX_SIGSTRUCT_PAGES * TDX_PAGE_SIZE, &sig,
			      &sig_size, diag);
	if (r < 0) {
		tdx_diag_prefix(diag, e->sigstruct_path);
		return r;
	}
	r = tdx_image_build(want, sig, sig_size, bin, bin_size, ret_data, ret_size, diag);
	if (r < 0)
		tdx_diag_prefix(diag, e->bin_path);
	return r;
}

/* Joins the separate pair and parses the result, its own bytes. */
static int load_separate(const struct tdx_store_entry *e, enum tdx_image_format want,
			 uint8_t **ret_data, size_t *ret_size, struct tdx_image *ret_img,
			 struct tdx_diag *diag)
{
	_cleanup_free_ uint8_t *data = NULL;
	struct tdx_image img;
	size_t size;
	int r;

	r = join_separate(e, want, &data, &size, diag);
	if (r < 0)
		return r;
	r = tdx_image_parse(data, size, &img, diag);
	if (r < 0) {
		tdx_diag_prefix(diag, e->bin_path);
		return r;
	}
	*ret_img = img;
	*ret_data = TAKE_PTR(data);
	*ret_size = size;
	return 0;
}

/*
 * Reads the blob and converts it when the kernel wants the other format.
 * *ret_img is the parse of the bytes returned: of the blob as read, or of
 * the converted image (parsed once more, its own bytes). Parsing checks the
 * RSA signature, so the blob as read is not parsed twice.
 */
static int load_blob(const struct tdx_store_entry *e, enum tdx_image_format want,
		     uint8_t **ret_data, size_t *ret_size, struct tdx_image *ret_img,
		     bool *ret_converted, struct tdx_diag *diag)
{
	_cleanup_free_ uint8_t *data = NULL, *converted = NULL;
	struct tdx_image img;
	size_t size, converted_size;
	int r;

	if (e->keep_reads && e->kept_fd >= 0)
		r = tdx_file_read_all_fd(e->kept_fd, TDX_IMAGE_MAX_SIZE, e->blob_size, &data, &size,
					 diag);
	else
		r = tdx_file_read_all(e->blob_path, TDX_IMAGE_MAX_SIZE, &data, &size, diag);
	if (r >= 0)
		r = tdx_image_parse(data, size, &img, diag);
	if (r >= 0 && img.format != want) {
		r = tdx_image_convert(&img, want, &converted, &converted_size, diag);
		if (r >= 0)
			r = tdx_image_parse(converted, converted_size, &img, diag);
		if (r >= 0) {
			free(data);
			data = TAKE_PTR(converted);
			size = converted_size;
			*ret_converted = true;
		}
	} else if (r >= 0)
		*ret_converted = false;
	if (r < 0) {
		tdx_diag_prefix(diag, e->blob_path);
		return r;
	}
	*ret_img = img;
	*ret_data = TAKE_PTR(data);
	*ret_size = size;
	return 0;
}

/*
 * The plan and the policy judged the sigstruct read at peek time; the bytes
 * loaded now are what is checked and written. A file rewritten in place in
 * between (a kept fd sees the new bytes; a scan opens the path again) must
 * not be written under a verdict made for another image: every field policy
 * uses must be the same, and seamhash pins the module itself.
 */
static int check_loaded_is_peeked(const struct tdx_store_entry *e,
				  const struct tdx_sigstruct_info *loaded, struct tdx_diag *diag)
{
	const struct tdx_sigstruct_summary *was = &e->sig;
	struct tdx_sigstruct_summary now;
	bool same;

	if (e->sig_state != TDX_SIG_OK)
		return tdx_diag_set(diag, -ESTALE, "its sigstruct was not checked before the load");
	tdx_sigstruct_summarize(loaded, &now);
	same = now.debug == was->debug && now.date == was->date && now.seam_svn == was->seam_svn &&
	       memcmp(now.seamhash, was->seamhash, TDX_SEAMHASH_SIZE) == 0 &&
	       now.cpuid_count == was->cpuid_count &&
	       (now.cpuid_count == 0 || memcmp(now.cpuid_table, was->cpuid_table,
					       now.cpuid_count * sizeof(*now.cpuid_table)) == 0) &&
	       memcmp(now.signature.key_sha256, was->signature.key_sha256, TDX_SHA256_SIZE) == 0;
	if (!same)
		return tdx_diag_set(diag, -ESTALE,
				    "changed on disk since it was checked (its sigstruct is not "
				    "the one the plan was made for)");
	return 0;
}

int tdx_store_entry_load_image(const struct tdx_store_entry *e, enum tdx_image_format want,
			       uint8_t **ret_data, size_t *ret_size, struct tdx_image *ret_img,
			       bool *ret_converted, struct tdx_diag *diag)
{
	_cleanup_free_ uint8_t *data = NULL;
	bool converted = false;
	struct tdx_image img;
	size_t size = 0;
	int r;

	if (want != TDX_IMAGE_FORMAT_V1 && want != TDX_IMAGE_FORMAT_V2)
		return tdx_diag_set(diag, -EINVAL, "image format 0x%x is not 0x100 or 0x200",
				    (unsigned)want);
	/* Whatever path produced the bytes, img is the parse of these exact bytes. */
	if (e->blob_path)
		r = load_blob(e, want, &data, &size, &img, &converted, diag);
	else if (e->bin_path && e->sigstruct_path)
		r = load_separate(e, want, &data, &size, &img, diag);
	else
		r = tdx_diag_set(diag, -ENOENT, "no image for this version");
	if (r < 0)
		return r;
	r = tdx_image_validate(&img, TDX_VALIDATE_ALL & ~TDX_VALIDATE_SIGNATURE, NULL, diag);
	if (r >= 0)
		r = check_loaded_is_peeked(e, &img.sig, diag);
	if (r < 0) {
		tdx_diag_prefix(diag, e->blob_path ? e->blob_path : e->bin_path);
		return r;
	}
	*ret_img = img;
	*ret_data = TAKE_PTR(data);
	*ret_size = size;
	if (ret_converted)
		*ret_converted = converted;
	return 0;
}
