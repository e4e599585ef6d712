// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <tdx/store.h>
#include "synth.h"

#define V(a, b, c) (&(struct tdx_version){a, b, c})

static char tmpdir[] = "/tmp/test-store-XXXXXX";

static const char mapping[] =
	"{\"tdx_module_releases\": ["
	"{\"version\": \"1.5.01\", \"min_module_version_for_td_preserving\": \"1.5.01\","
	" \"min_seamldr_versions\": [\"1.5.00\"]},"
	"{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\","
	" \"min_seamldr_versions\": [\"1.5.00\"]},"
	"{\"version\": \"1.5.08\", \"min_module_version_for_td_preserving\": \"1.5.01\","
	" \"min_seamldr_versions\": [\"1.5.00\"]},"
	"{\"version\": \"1.5.10\", \"min_module_version_for_td_preserving\": \"1.5.06\","
	" \"min_seamldr_versions\": [\"1.5.00\"]}]}";

static void path_of(char *buf, size_t size, const char *root, const char *rel)
{
	snprintf(buf, size, "%s/%s", root, rel);
}

static void touch(const char *root, const char *rel)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void mkdir_in(const char *root, const char *rel)
{
	char path[512];

	path_of(path, sizeof(path), root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void copy_in(const char *root, const char *from, const char *to)
{
	char src[512], dst[512];
	uint8_t *data;
	size_t size;

	path_of(src, sizeof(src), root, from);
	path_of(dst, sizeof(dst), root, to);
	assert_int_equal(tdx_file_read_all(src, 1 << 24, &data, &size, NULL), 0);
	assert_int_equal(tdx_file_write_atomic(dst, data, size, 0644), 0);
	free(data);
}

/*
 * 1.5.01 and 1.5.06 joined (0x100) and separate, 1.5.08 separate only, an
 * orphan 1.5.07 blob, 1.5.10 in the mapping without an image, and junk.
 */
static void make_messy_store(char *root, size_t size, const char *name)
{
	const struct synth_module_spec specs[] = {
		{.version = {1, 5, 1}},
		{.version = {1, 5, 6}, .handoff_min = {1, 5, 1}, .module_pages = 3},
		{.version = {1, 5, 7}},
	};
	const struct synth_module_spec sep_only = {.version = {1, 5, 8}, .debug = true};

	char path[600];

	path_of(root, size, tmpdir, name);
	assert_int_equal(synth_store_write(root, mapping, specs, 3, TDX_IMAGE_FORMAT_V1,
					   SYNTH_STORE_JOINED | SYNTH_STORE_SEPARATE),
			 0);
	assert_int_equal(synth_store_write(root, mapping, &sep_only, 1, TDX_IMAGE_FORMAT_V1,
					   SYNTH_STORE_SEPARATE),
			 0);
	/* 1.5.07's separate files go; its blob stays as the orphan. */
	snprintf(path, sizeof(path), "%s/separate_files/1.5/1.5.07", root);
	assert_int_equal(synth_remove_tree(path), 0);
	touch(root, "joined_files/README.txt");
	touch(root, "joined_files/1.5/notes.txt");
	touch(root, "joined_files/1.5/tdx_module_1.5.6.7.blob");
	touch(root, "joined_files/1.5/tdx_module_1.5.09.blob.orig");
	mkdir_in(root, "joined_files/1.6");
	copy_in(root, "joined_files/1.5/tdx_module_1.5.01.blob",
		"joined_files/1.6/tdx_module_1.5.09.blob");
	mkdir_in(root, "joined_files/v1.5");
	mkdir_in(root, "separate_files/1.5/1.5.09");
	touch(root, "separate_files/1.5/1.5.09/tdx_module_1.5.09.bin");
	mkdir_in(root, "separate_files/1.5/1.5.11");
	touch(root, "separate_files/1.5/1.5.11/tdx_module_1.5.12.bin");
	touch(root, "separate_files/1.5/1.5.11/tdx_module_1.5.12.sigstruct");
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	return synth_remove_tree(tmpdir) == 0 ? 0 : -1;
}

static const struct {
	const char *path_suffix;
	const char *message;
} expected_problems[] = {
	{"joined_files/README.txt", "not an X.Y series directory"},
	{"joined_files/v1.5", "not an X.Y series directory"},
	{"joined_files/1.5/notes.txt", "not a tdx_module_X.Y.ZZ.blob file"},
	{"joined_files/1.5/tdx_module_1.5.6.7.blob", "not a tdx_module_X.Y.ZZ.blob file"},
	{"joined_files/1.5/tdx_module_1.5.09.blob.orig", "not a tdx_module_X.Y.ZZ.blob file"},
	{"joined_files/1.6/tdx_module_1.5.09.blob", "version 1.5.09 is not in series 1.6"},
	{"joined_files/1.5/tdx_module_1.5.07.blob", "no entry for 1.5.07 in mapping_file.json"},
	{"separate_files/1.5/1.5.09", "needs both tdx_module_1.5.09.bin and .sigstruct"},
	{"separate_files/1.5/1.5.11/tdx_module_1.5.12.bin",
	 "file version does not match its directory"},
	{"separate_files/1.5/1.5.11/tdx_module_1.5.12.sigstruct",
	 "file version does not match its directory"},
	{"separate_files/1.5/1.5.11", "needs both tdx_module_1.5.11.bin and .sigstruct"},
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void test_scan_messy(void **state)
{
	struct tdx_store *s = NULL;
	struct tdx_store_entry *e;
	struct tdx_diag diag = {};
	char root[256];

	make_messy_store(root, sizeof(root), "messy");
	assert_int_equal(tdx_store_scan(root, &s, &diag), 0);
	for (size_t i = 0; i < s->n_problems; i++)
		print_message("problem: %s: %s\n", s->problems[i].path, s->problems[i].message);
	assert_int_equal(s->n_problems, sizeof(expected_problems) / sizeof(expected_problems[0]));
	for (size_t i = 0; i < sizeof(expected_problems) / sizeof(expected_problems[0]); i++) {
		bool seen = false;

		for (size_t j = 0; j < s->n_problems; j++)
			seen |= has_suffix(s->problems[j].path, expected_problems[i].path_suffix) &&
				strcmp(s->problems[j].message, expected_problems[i].message) == 0;
		if (!seen)
			fail_msg("problem not reported: %s: %s", expected_problems[i].path_suffix,
				 expected_problems[i].message);
	}
	assert_int_equal(s->n_entries, 4);
	assert_true(tdx_version_equal(&s->entries[0].version, V(1, 5, 1)));
	assert_true(tdx_version_equal(&s->entries[3].version, V(1, 5, 8)));
	assert_int_equal(s->n_missing_images, 1);
	assert_true(tdx_version_equal(&s->missing_images[0], V(1, 5, 10)));

	e = tdx_store_find(s, V(1, 5, 6));
	assert_non_null(e);
	assert_non_null(e->blob_path);
	assert_non_null(e->bin_path);
	assert_non_null(e->sigstruct_path);
	assert_true(has_suffix(e->bin_path, "separate_files/1.5/1.5.06/tdx_module_1.5.06.bin"));
	assert_non_null(e->release);
	assert_true(tdx_version_equal(&e->release->version, V(1, 5, 6)));
	assert_int_equal(e->sig_state, TDX_SIG_NOT_READ); /* scan reads no image */
	e = tdx_store_find(s, V(1, 5, 7));
	assert_null(e->release);
	e = tdx_store_find(s, V(1, 5, 8));
	assert_null(e->blob_path);
	assert_null(tdx_store_find(s, V(1, 5, 9)));

	tdx_store_peek_all(s);
	for (size_t i = 0; i < s->n_entries; i++)
		assert_int_equal(s->entries[i].sig_state, TDX_SIG_OK);
	e = tdx_store_find(s, V(1, 5, 6));
	assert_int_equal(e->blob_format, TDX_IMAGE_FORMAT_V1);
	assert_int_equal(e->blob_size, (1 + 1 + 3) * TDX_PAGE_SIZE);
	assert_int_equal(e->sig.seam_svn, 0x0506);
	e = tdx_store_find(s, V(1, 5, 8)); /* separate only: peeked from .sigstruct */
	assert_true(e->sig.debug);
	assert_int_equal(e->blob_format, TDX_IMAGE_FORMAT_INVALID);
	tdx_store_free(s);
}

static void test_load_image(void **state)
{
	const struct synth_module_spec spec = {
		.version = {1, 5, 6}, .handoff_min = {1, 5, 1}, .module_pages = 3};
	uint8_t sig[TDX_SIGSTRUCT_SIZE], *bin, *direct, *data;
	size_t bin_size, direct_size, size;
	struct tdx_store *s = NULL;
	struct tdx_store_entry *e;
	struct tdx_image img;
	bool converted = true;
	char root[256];

	make_messy_store(root, sizeof(root), "messy-load");
	assert_int_equal(tdx_store_scan(root, &s, NULL), 0);
	assert_int_equal(synth_module_build(&spec, &bin, &bin_size, sig), 0);
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V2, sig, sizeof(sig), bin, bin_size,
					 &direct, &direct_size, NULL),
			 0);
	e = tdx_store_find(s, V(1, 5, 6));
	/* The load refuses an entry nobody peeked: there would be no verdict to match. */
	assert_int_equal(tdx_store_entry_peek(e, NULL), 0);
	/* The store holds 0x100; the kernel wants 0x200. */
	assert_int_equal(tdx_store_entry_load_image(e, TDX_IMAGE_FORMAT_V2, &data, &size, &img,
						    &converted, NULL),
			 0);
	assert_true(converted);
	assert_int_equal(img.format, TDX_IMAGE_FORMAT_V2);
	assert_ptr_equal(img.data, data);
	assert_int_equal(size, direct_size);
	assert_memory_equal(data, direct, size);
	free(data);
	assert_int_equal(tdx_store_entry_load_image(e, TDX_IMAGE_FORMAT_V1, &data, &size, &img,
						    &converted, NULL),
			 0);
	assert_false(converted);
	assert_int_equal(img.format, TDX_IMAGE_FORMAT_V1);
	free(data);
	/* Separate only: joined in memory straight into the wanted format. */
	e = tdx_store_find(s, V(1, 5, 8));
	assert_int_equal(tdx_store_entry_peek(e, NULL), 0);
	assert_int_equal(tdx_store_entry_load_image(e, TDX_IMAGE_FORMAT_V2, &data, &size, &img,
						    &converted, NULL),
			 0);
	assert_false(converted);
	assert_int_equal(img.format, TDX_IMAGE_FORMAT_V2);
	assert_true(img.sig.debug);
	free(data);
	assert_int_equal(tdx_store_entry_load_image(e, 0x300, &data, &size, &img, &converted, NULL),
			 -EINVAL);
	free(bin);
	free(direct);
	tdx_store_free(s);
}

/* A store with one 0x200 blob, 1.5.06, whose bytes at offset are then overwritten. */
static void make_patched_store(char *root, size_t size, const char *name, uint32_t pages,
			       const void *patch, size_t n, off_t offset)
{
	const struct synth_module_spec spec = {.version = {1, 5, 6}, .module_pages = pages};
	char blob[512];
	int fd;

	path_of(root, size, tmpdir, name);
	assert_int_equal(
		synth_store_write(root, NULL, &spec, 1, TDX_IMAGE_FORMAT_V2, SYNTH_STORE_JOINED),
		0);
	path_of(blob, sizeof(blob), root, "joined_files/1.5/tdx_module_1.5.06.blob");
	fd = open(blob, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, patch, n, offset), (ssize_t)n);
	close(fd);
}

/* Module bytes are garbage: peeking still works, loading refuses. */
static void test_lazy_peek_garbage_module(void **state)
{
	struct tdx_store *s = NULL;
	struct tdx_store_entry *e;
	struct tdx_diag diag = {};
	struct tdx_image img;
	uint8_t *data = NULL;
	char root[256];
	size_t size;

	make_patched_store(root, sizeof(root), "garbage", 2, "GARBAGE!", 8,
			   2 * TDX_PAGE_SIZE + 100);
	assert_int_equal(tdx_store_scan(root, &s, NULL), 0);
	assert_int_equal(s->n_problems, 0);
	assert_int_equal(s->n_missing_images, 0);
	e = tdx_store_find(s, V(1, 5, 6));
	assert_non_null(e->release);
	assert_int_equal(tdx_store_entry_peek(e, NULL), 0);
	assert_int_equal(e->sig_state, TDX_SIG_OK);
	assert_int_equal(e->blob_format, TDX_IMAGE_FORMAT_V2);
	assert_int_equal(
		tdx_store_entry_load_image(e, TDX_IMAGE_FORMAT_V2, &data, &size, &img, NULL, &diag),
		-EBADMSG);
	assert_non_null(strstr(diag.msg, "tdx_module_1.5.06.blob: "));
	assert_null(data);
	tdx_store_free(s);
}

static void test_peek_error_cached(void **state)
{
	struct tdx_store *s = NULL;
	struct tdx_store_entry *e;
	struct tdx_diag diag = {};
	char root[256];

	make_patched_store(root, sizeof(root), "badheader", 4, "XDX", 3, 4);
	assert_int_equal(tdx_store_scan(root, &s, NULL), 0);
	e = &s->entries[0];
	assert_int_equal(tdx_store_entry_peek(e, &diag), -EINVAL);
	assert_int_equal(e->sig_state, TDX_SIG_ERROR);
	assert_non_null(strstr(e->sig_error, "tdx_module_1.5.06.blob: signature is not"));
	memset(&diag, 0, sizeof(diag));
	assert_true(tdx_store_entry_peek(e, &diag) < 0);
	assert_string_equal(diag.msg, e->sig_error);
	tdx_store_free(s);
}

static void test_scan_failures(void **state)
{
	const struct synth_module_spec spec = {.version = {1, 5, 6}};
	struct tdx_store *s = NULL;
	struct tdx_diag diag = {};
	char root[256], path[512];

	assert_int_equal(tdx_store_scan("/nonexistent/store", &s, &diag), -ENOENT);
	assert_non_null(strstr(diag.msg, "No such file or directory"));
	/* Callers prefix the store path; a message naming it already keeps one. */
	tdx_diag_prefix(&diag, "/nonexistent/store");
	assert_string_equal(diag.msg, "/nonexistent/store: No such file or directory");
	path_of(root, sizeof(root), tmpdir, "nomapping");
	assert_int_equal(
		synth_store_write(root, NULL, &spec, 1, TDX_IMAGE_FORMAT_V2, SYNTH_STORE_JOINED),
		0);
	path_of(path, sizeof(path), root, "mapping_file.json");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(tdx_store_scan(root, &s, &diag), -ENOENT);
	assert_string_equal(diag.msg, "mapping_file.json: cannot open: No such file or directory");
	assert_int_equal(tdx_file_write_atomic(path, "{", 1, 0644), 0);
	assert_int_equal(tdx_store_scan(root, &s, &diag), -EBADMSG);
	assert_non_null(strstr(diag.msg, "mapping_file.json: JSON ends early"));
	assert_null(s);
	/* A store with only a mapping file is empty, not broken. */
	path_of(root, sizeof(root), tmpdir, "empty");
	assert_int_equal(synth_store_write(root, mapping, NULL, 0, TDX_IMAGE_FORMAT_V2, 0), 0);
	assert_int_equal(tdx_store_scan(root, &s, NULL), 0);
	assert_int_equal(s->n_entries, 0);
	assert_int_equal(s->n_missing_images, 4);
	assert_null(tdx_store_find(s, V(1, 5, 6)));
	tdx_store_free(s);
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* A packaged store may link its series directories elsewhere. */
static void test_scan_follows_symlinks(void **state)
{
	const struct synth_module_spec spec = {.version = {1, 5, 6}};
	char root[256], from[512], to[512];
	struct tdx_store *s = NULL;

	path_of(root, sizeof(root), tmpdir, "linked");
	assert_int_equal(
		synth_store_write(root, NULL, &spec, 1, TDX_IMAGE_FORMAT_V2, SYNTH_STORE_JOINED),
		0);
	path_of(from, sizeof(from), root, "joined_files/1.5");
	path_of(to, sizeof(to), tmpdir, "linked-series");
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(symlink(to, from), 0);
	assert_int_equal(tdx_store_scan(root, &s, NULL), 0);
	assert_int_equal(s->n_problems, 0);
	assert_int_equal(s->n_entries, 1);
	assert_int_equal(tdx_store_entry_peek(&s->entries[0], NULL), 0);
	tdx_store_free(s);
}

/* 10,000 blobs: names only, so empty files do; the scan must not open them. */
static void test_scan_many(void **state)
{
	enum { N = 10000 };
	char root[256], dir[512], path[600];
	struct tdx_store *s = NULL;
	struct timespec t0, t1, c0, c1;
	FILE *f;

	path_of(root, sizeof(root), tmpdir, "many");
	path_of(dir, sizeof(dir), root, "joined_files/1.5");
	assert_int_equal(mkdir(root, 0755), 0);
	path_of(path, sizeof(path), root, "joined_files");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	path_of(path, sizeof(path), root, "mapping_file.json");
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("{\"tdx_module_releases\": [", f);
	for (unsigned i = 0; i < N; i++) {
		char name[64];

		fprintf(f,
			"%s{\"version\": \"1.5.%02u\", \"min_module_version_for_td_preserving\": "
			"\"1.5.01\", \"min_seamldr_versions\": [\"1.5.00\"]}",
			i ? "," : "", N - 1 - i);
		snprintf(name, sizeof(name), "tdx_module_1.5.%02u.blob", i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	}
	fputs("]}", f);
	assert_int_equal(fclose(f), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	assert_int_equal(tdx_store_scan(root, &s, NULL), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Reported, never asserted: timing depends on the machine. */
	print_message("scan of %d entries: %.1f ms wall, %.1f ms CPU\n", N, ms_between(&t0, &t1),
		      ms_between(&c0, &c1));
	assert_int_equal(s->n_entries, N);
	assert_int_equal(s->n_problems, 0);
	assert_int_equal(s->n_missing_images, 0);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(s->entries[i].version.update, i);
		assert_ptr_equal(s->entries[i].release, &s->mapping->releases[i]);
	}
	tdx_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_messy),
		cmocka_unit_test(test_load_image),
		cmocka_unit_test(test_lazy_peek_garbage_module),
		cmocka_unit_test(test_peek_error_cached),
		cmocka_unit_test(test_scan_failures),
		cmocka_unit_test(test_scan_follows_symlinks),
		cmocka_unit_test(test_scan_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
