// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdx_store_lookup() against tdx_store_scan(): over hostile and real stores,
 * every version has the same entry either way (paths, mapping release), and
 * the lookup plans one hop exactly when the scan does, to the same image.
 * And tdx_store_scan_series() against it: the newest reachable version is
 * planned the same, error words included, from every running version.
 * The hostile store has duplicate versions in both layouts, other spellings
 * of a version claiming it (a file, a series directory, a version
 * directory), symlinks (dangling, to a directory, a series directory
 * elsewhere), a version directory without its sigstruct, a directory named
 * like a blob and an image without a mapping entry.
 */
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
#include <unistd.h>

#include <cmocka.h>

#include <tdx/plan.h>
#include "policy-store.h"

#define RELEASE(v, min)                                                                     \
	"{ \"version\": \"" v "\", \"min_module_version_for_td_preserving\": \"" min "\", " \
	"\"min_seamldr_versions\": [ \"1.5.00\", \"2.0.00\" ] }"

/* clang-format off */
static const char hostile_mapping[] =
	"{ \"tdx_module_releases\": [ "
	RELEASE("1.5.01", "1.5.01") ", "
	RELEASE("1.5.06", "1.5.01") ", "
	RELEASE("1.5.07", "1.5.01") ", "
	RELEASE("1.5.08", "1.5.01") ", "
	RELEASE("1.5.20", "1.5.06") ", "
	RELEASE("1.5.24", "1.5.20") ", "
	RELEASE("2.0.02", "2.0.02") " ] }";
/* clang-format on */

static void at(char *buf, size_t size, const char *root, const char *rel)
{
	snprintf(buf, size, "%s/%s", root, rel);
}

static void copy(const char *root, const char *from, const char *to)
{
	char src[512], dst[512];
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;

	at(src, sizeof(src), root, from);
	at(dst, sizeof(dst), root, to);
	assert_int_equal(tdx_file_read_all(src, 1 << 24, &data, &size, NULL), 0);
	assert_int_equal(tdx_file_write_atomic(dst, data, size, 0644), 0);
}

/* Writes from's bytes over to's in place: the same inode, as a careless cp would. */
static void overwrite_in_place(const char *root, const char *from, const char *to)
{
	char src[512], dst[512];
	_cleanup_free_ uint8_t *data = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t size;

	at(src, sizeof(src), root, from);
	at(dst, sizeof(dst), root, to);
	assert_int_equal(tdx_file_read_all(src, 1 << 24, &data, &size, NULL), 0);
	fd = open(dst, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), (ssize_t)size);
}

static void mkdir_at(const char *root, const char *rel)
{
	char path[512];

	at(path, sizeof(path), root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void rm_at(const char *root, const char *rel)
{
	char path[512];

	at(path, sizeof(path), root, rel);
	assert_int_equal(unlink(path), 0);
}

static void symlink_at(const char *root, const char *target, const char *rel)
{
	char path[512];

	at(path, sizeof(path), root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void rename_at(const char *root, const char *from, const char *to)
{
	char a[512], b[512];

	at(a, sizeof(a), root, from);
	at(b, sizeof(b), root, to);
	assert_int_equal(rename(a, b), 0);
}

static void make_hostile_store(char *root)
{
	static const char *const versions[] = {"1.5.01", "1.5.06", "1.5.07", "1.5.08",
					       "1.5.20", "1.5.24", "1.5.30", "2.0.02"};
	struct synth_module_spec specs[8] = {};

	for (size_t i = 0; i < 8; i++) {
		specs[i].version = V(versions[i]);
		specs[i].module_pages = 1;
		series_cpus(&specs[i].version, specs[i].cpuids);
	}
	specs[4].handoff_min = V("1.5.06");
	specs[5].handoff_min = V("1.5.20");
	assert_non_null(mkdtemp(root));
	assert_int_equal(synth_store_write(root, hostile_mapping, specs, 8, TDX_IMAGE_FORMAT_V1,
					   SYNTH_STORE_JOINED | SYNTH_STORE_SEPARATE),
			 0);
	/* 1.5.01: the blob is a dangling symlink (listed, unreadable); separate files stay */
	rm_at(root, "joined_files/1.5/tdx_module_1.5.01.blob");
	symlink_at(root, "/nonexistent/x.blob", "joined_files/1.5/tdx_module_1.5.01.blob");
	/* 1.5.07: no blob, a version directory without its sigstruct */
	rm_at(root, "joined_files/1.5/tdx_module_1.5.07.blob");
	rm_at(root, "separate_files/1.5/1.5.07/tdx_module_1.5.07.sigstruct");
	/* 1.5.08: separate only, and 1.5.24's image under another spelling of 1.5.08 */
	rm_at(root, "joined_files/1.5/tdx_module_1.5.08.blob");
	copy(root, "joined_files/1.5/tdx_module_1.5.24.blob",
	     "joined_files/1.5/tdx_module_1.5.8.blob");
	copy(root, "separate_files/1.5/1.5.24/tdx_module_1.5.24.bin",
	     "separate_files/1.5/1.5.08/tdx_module_1.5.008.bin");
	/* 1.5.20: the blob is a symlink to a copy outside the tree */
	mkdir_at(root, "elsewhere");
	rename_at(root, "joined_files/1.5/tdx_module_1.5.20.blob", "elsewhere/x.blob");
	symlink_at(root, "../../elsewhere/x.blob", "joined_files/1.5/tdx_module_1.5.20.blob");
	/* 1.5.24: other spellings of its series and of its version directory */
	mkdir_at(root, "joined_files/01.5");
	copy(root, "elsewhere/x.blob", "joined_files/01.5/tdx_module_1.5.24.blob");
	mkdir_at(root, "separate_files/1.5/1.5.024");
	copy(root, "separate_files/1.5/1.5.20/tdx_module_1.5.20.bin",
	     "separate_files/1.5/1.5.024/tdx_module_1.5.024.bin");
	copy(root, "separate_files/1.5/1.5.20/tdx_module_1.5.20.sigstruct",
	     "separate_files/1.5/1.5.024/tdx_module_1.5.024.sigstruct");
	/* 1.5.09: a directory named like a blob, and a symlink to it in the separate tree */
	mkdir_at(root, "joined_files/1.5/tdx_module_1.5.09.blob");
	mkdir_at(root, "separate_files/1.5/1.5.09");
	copy(root, "separate_files/1.5/1.5.06/tdx_module_1.5.06.sigstruct",
	     "separate_files/1.5/1.5.09/tdx_module_1.5.09.sigstruct");
	symlink_at(root, "../../../joined_files/1.5/tdx_module_1.5.09.blob",
		   "separate_files/1.5/1.5.09/tdx_module_1.5.09.bin");
	/* 2.0: the series directory is a symlink; its separate .bin is a directory */
	rename_at(root, "joined_files/2.0", "elsewhere/2.0");
	symlink_at(root, "../elsewhere/2.0", "joined_files/2.0");
	rm_at(root, "separate_files/2.0/2.0.02/tdx_module_2.0.02.bin");
	mkdir_at(root, "separate_files/2.0/2.0.02/tdx_module_2.0.02.bin");
}

static bool same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_same_entry(const struct tdx_store_entry *scan,
			      const struct tdx_store_entry *look, const struct tdx_version *v)
{
	char s[TDX_VERSION_STRING_MAX];

	tdx_version_format(v, s);
	if (!scan || !look) {
		if (scan || look)
			fail_msg("%s: found by the %s only", s, scan ? "scan" : "lookup");
		return;
	}
	if (!same_string(scan->blob_path, look->blob_path) ||
	    !same_string(scan->bin_path, look->bin_path) ||
	    !same_string(scan->sigstruct_path, look->sigstruct_path))
		fail_msg("%s: scan %s %s %s, lookup %s %s %s", s, scan->blob_path, scan->bin_path,
			 scan->sigstruct_path, look->blob_path, look->bin_path,
			 look->sigstruct_path);
	assert_true((!scan->release && !look->release) ||
		    (scan->release && look->release &&
		     tdx_version_equal(&scan->release->version, &look->release->version)));
}

/* Versions around and between those of the stores: 1.5.00-1.5.40, 2.0.00-2.0.10. */
static size_t probe_versions(struct tdx_version *out, size_t size)
{
	size_t n = 0;

	for (uint32_t u = 0; u <= 40 && n < size; u++)
		out[n++] = (struct tdx_version){1, 5, u};
	for (uint32_t u = 0; u <= 10 && n < size; u++)
		out[n++] = (struct tdx_version){2, 0, u};
	return n;
}

static struct tdx_store *lookup(const char *root, const struct tdx_version *v)
{
	struct tdx_store *s = NULL;

	assert_int_equal(tdx_store_lookup(root, v, 1, &s, NULL), 0);
	assert_int_equal(s->n_problems, 0);
	assert_int_equal(s->n_missing_images, 0);
	return s;
}

static void compare_entries(const char *root, const struct tdx_store *scan)
{
	struct tdx_version vs[64];
	size_t n = probe_versions(vs, 64);

	for (size_t i = 0; i < n; i++) {
		_cleanup_(tdx_store_freep) struct tdx_store *look = lookup(root, &vs[i]);

		assert_true(look->n_entries <= 1);
		assert_same_entry(tdx_store_find(scan, &vs[i]), tdx_store_find(look, &vs[i]),
				  &vs[i]);
	}
}

/* What a plan comes to: error, or the hops as their image paths. */
static bool one_hop(int r, const struct tdx_plan *p)
{
	return r == 0 && p->n_hops == 1;
}

static const char *image_of(const struct tdx_store_entry *e)
{
	return e->blob_path ? e->blob_path : e->bin_path;
}

struct tally {
	unsigned one_hop, other;
};

static void compare_plan(const char *root, struct tdx_store *scan, const struct tdx_policy_host *h,
			 const struct tdx_policy_opts *opts, const struct tdx_version *target,
			 unsigned budget, struct tally *t)
{
	_cleanup_(tdx_store_freep) struct tdx_store *look = lookup(root, target);
	_cleanup_(tdx_plan_done) struct tdx_plan ps = {}, pl = {};
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];
	int rs, rl;

	rs = tdx_plan_compute(scan, h, opts, target, budget, &ps, NULL);
	rl = tdx_plan_compute(look, h, opts, target, budget, &pl, NULL);
	if (one_hop(rs, &ps) != one_hop(rl, &pl))
		fail_msg("running %s, target %s, budget %u: scan %d (%zu hops), lookup %d (%zu "
			 "hops)",
			 tdx_version_format(&h->running, a), tdx_version_format(target, b), budget,
			 rs, rs == 0 ? ps.n_hops : 0, rl, rl == 0 ? pl.n_hops : 0);
	if (!one_hop(rs, &ps)) {
		t->other++;
		return;
	}
	t->one_hop++;
	assert_true(tdx_version_equal(&ps.hops[0]->version, &pl.hops[0]->version));
	assert_string_equal(image_of(ps.hops[0]), image_of(pl.hops[0]));
}

static void compare_plans(const char *root, struct tdx_store *scan, struct tally *t)
{
	static const char *const running[] = {"1.5.01", "1.5.06", "1.5.07", "1.5.08",
					      "1.5.20", "1.5.24", "2.0.00", "2.0.02"};
	static const unsigned budgets[] = {0, 1, 2, 16};
	struct tdx_version vs[64];
	size_t n = probe_versions(vs, 64);

	for (size_t r = 0; r < ELEMENTSOF(running); r++)
		for (unsigned o = 0; o < 8; o++) {
			struct tdx_policy_host h =
				policy_host(running[r], o & 4 ? NULL : "1.5.00", CPU_SPR);
			struct tdx_policy_opts opts = {.trusted_keys = &test_keys,
						       .reinstall = o & 1,
						       .allow_debug = o & 2};

			for (size_t i = 0; i < n; i++)
				for (size_t k = 0; k < ELEMENTSOF(budgets); k++)
					compare_plan(root, scan, &h, &opts, &vs[i], budgets[k], t);
		}
}

/*
 * The newest version (no target): a scan of the running series plans what
 * the whole scan plans, error words included.
 */
static void compare_newest(const char *root, struct tdx_store *scan, const char *running,
			   unsigned o)
{
	static const unsigned budgets[] = {0, 1, 2, 16};
	struct tdx_policy_host h = policy_host(running, o & 4 ? NULL : "1.5.00", CPU_SPR);
	struct tdx_policy_opts opts = {
		.trusted_keys = &test_keys, .reinstall = o & 1, .allow_debug = o & 2};
	_cleanup_(tdx_store_freep) struct tdx_store *series = NULL;

	assert_int_equal(tdx_store_scan_series(root, &h.running, &series, NULL), 0);
	for (size_t k = 0; k < ELEMENTSOF(budgets); k++) {
		_cleanup_(tdx_plan_done) struct tdx_plan pa = {}, ps = {};
		struct tdx_diag da = {}, ds = {};
		int ra, rs;

		ra = tdx_plan_compute(scan, &h, &opts, NULL, budgets[k], &pa, &da);
		rs = tdx_plan_compute(series, &h, &opts, NULL, budgets[k], &ps, &ds);
		assert_int_equal(ra, rs);
		assert_string_equal(da.msg, ds.msg);
		assert_int_equal(pa.n_hops, ps.n_hops);
		for (size_t i = 0; i < pa.n_hops; i++)
			assert_string_equal(image_of(pa.hops[i]), image_of(ps.hops[i]));
	}
}

static void compare_store(const char *root)
{
	static const char *const running[] = {"1.5.01", "1.5.06", "1.5.07", "1.5.08", "1.5.20",
					      "1.5.24", "2.0.00", "2.0.02", "1.4.00"};
	_cleanup_(tdx_store_freep) struct tdx_store *scan = NULL;
	struct tally t = {};

	assert_int_equal(tdx_store_scan(root, &scan, NULL), 0);
	compare_entries(root, scan);
	compare_plans(root, scan, &t);
	for (size_t r = 0; r < ELEMENTSOF(running); r++)
		for (unsigned o = 0; o < 8; o++)
			compare_newest(root, scan, running[r], o);
	/* not vacuous: both outcomes occur */
	print_message("%s: %u one-hop plans, %u others\n", root, t.one_hop, t.other);
	assert_true(t.one_hop > 0);
	assert_true(t.other > 0);
}

static void test_hostile_store(void **state)
{
	char root[] = "/tmp/test-store-lookup-XXXXXX";

	make_hostile_store(root);
	compare_store(root);
	assert_int_equal(synth_remove_tree(root), 0);
}

static void test_intel_mappings(void **state)
{
	static const char *const files[] = {MAPPING_14C28CE, MAPPING_28A4BAA};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		struct test_store s = {};

		assert_int_equal(test_store_from_file(files[i], &s), 0);
		compare_store(s.root);
		test_store_done(&s);
	}
}

/* The other spellings are store problems, never entries. */
static void test_hostile_spellings_ignored(void **state)
{
	char root[] = "/tmp/test-store-lookup-XXXXXX";
	_cleanup_(tdx_store_freep) struct tdx_store *scan = NULL;
	static const char *const spellings[] = {
		"joined_files/1.5/tdx_module_1.5.8.blob",
		"separate_files/1.5/1.5.08/tdx_module_1.5.008.bin",
		"joined_files/01.5",
		"separate_files/1.5/1.5.024",
	};
	struct tdx_store_entry *e;

	make_hostile_store(root);
	assert_int_equal(tdx_store_scan(root, &scan, NULL), 0);
	for (size_t i = 0; i < ELEMENTSOF(spellings); i++) {
		bool seen = false;

		for (size_t j = 0; j < scan->n_problems; j++) {
			const char *p = scan->problems[j].path;
			size_t a = strlen(p), b = strlen(spellings[i]);

			seen |= a >= b && strcmp(p + a - b, spellings[i]) == 0 &&
				strstr(scan->problems[j].message, "not the canonical name of");
		}
		if (!seen)
			fail_msg("no problem reported for %s", spellings[i]);
	}
	e = tdx_store_find(scan, &(struct tdx_version){1, 5, 8});
	assert_non_null(e);
	assert_null(e->blob_path); /* not 1.5.24's image under the name 1.5.8 */
	assert_true(strstr(e->bin_path, "tdx_module_1.5.08.bin") != NULL);
	e = tdx_store_find(scan, &(struct tdx_version){1, 5, 24});
	assert_true(strstr(e->blob_path, "joined_files/1.5/tdx_module_1.5.24.blob") != NULL);
	assert_true(strstr(e->bin_path, "separate_files/1.5/1.5.24/") != NULL);
	assert_int_equal(synth_remove_tree(root), 0);
}

/* The hostile store made in s, and its 1.5.06 entry, looked up or scanned (*ret_store). */
static struct tdx_store_entry *entry_1_5_06(struct test_store *s, bool looked_up,
					    struct tdx_store **ret_store)
{
	struct tdx_version v = V("1.5.06");
	struct tdx_store_entry *e;

	assert_int_equal(test_store_make(hostile_mapping, s), 0);
	if (looked_up)
		assert_int_equal(tdx_store_lookup(s->root, &v, 1, ret_store, NULL), 0);
	else
		assert_int_equal(tdx_store_scan(s->root, ret_store, NULL), 0);
	e = tdx_store_find(*ret_store, &v);
	assert_non_null(e);
	return e;
}

/*
 * A looked-up target is read once: replaced on disk after its peek, it is
 * still verified from the sigstruct first read and loaded from the file
 * first opened, so the image loaded (and validated, and written) is the
 * one the policy judged.
 */
static void test_target_read_once(void **state)
{
	_cleanup_(tdx_store_freep) struct tdx_store *look = NULL;
	_cleanup_free_ uint8_t *data = NULL;
	struct tdx_store_entry *e;
	struct test_store s = {};
	struct tdx_image img;
	size_t size;

	e = entry_1_5_06(&s, true, &look);
	assert_int_equal(tdx_store_entry_peek(e, NULL), 0);
	assert_int_equal(e->sig.seam_svn, 0x0506);
	/* another version's image takes the name, as an rsync of the store would */
	rm_at(s.root, "joined_files/1.5/tdx_module_1.5.06.blob");
	copy(s.root, "joined_files/1.5/tdx_module_1.5.08.blob",
	     "joined_files/1.5/tdx_module_1.5.06.blob");
	assert_int_equal(tdx_store_entry_verify(e, NULL), 0);
	assert_int_equal(e->sig.signature.status, TDX_SIGNATURE_VALID);
	assert_int_equal(e->sig.seam_svn, 0x0506);
	assert_int_equal(
		tdx_store_entry_load_image(e, TDX_IMAGE_FORMAT_V1, &data, &size, &img, NULL, NULL),
		0);
	assert_int_equal(img.sig.seam_svn, 0x0506);
	test_store_done(&s);
}

/*
 * Rewritten in place after its peek, the image loaded is another one than
 * the policy judged: the load refuses it, whether the entry was looked up
 * (its kept fd reads the new bytes) or scanned (the path is opened again).
 */
static void load_after_rewrite(bool looked_up)
{
	_cleanup_(tdx_store_freep) struct tdx_store *st = NULL;
	_cleanup_free_ uint8_t *data = NULL;
	struct tdx_diag d = {""};
	struct tdx_store_entry *e;
	struct test_store s = {};
	struct tdx_image img;
	size_t size = 0;

	e = entry_1_5_06(&s, looked_up, &st);
	assert_int_equal(tdx_store_entry_verify(e, NULL), 0);
	assert_int_equal(e->sig.seam_svn, 0x0506);
	overwrite_in_place(s.root, "joined_files/1.5/tdx_module_1.5.08.blob",
			   "joined_files/1.5/tdx_module_1.5.06.blob");
	assert_int_equal(
		tdx_store_entry_load_image(e, TDX_IMAGE_FORMAT_V1, &data, &size, &img, NULL, &d),
		-ESTALE);
	assert_null(data);
	assert_int_equal(size, 0);
	assert_non_null(strstr(d.msg, "tdx_module_1.5.06.blob: changed on disk since it was "
				      "checked"));
	test_store_done(&s);
}

static void test_lookup_rewritten_in_place(void **state)
{
	load_after_rewrite(true);
}

static void test_scan_rewritten_in_place(void **state)
{
	load_after_rewrite(false);
}

/* An entry whose sigstruct nobody read has no verdict the load could match. */
static void test_load_needs_peek(void **state)
{
	_cleanup_(tdx_store_freep) struct tdx_store *st = NULL;
	_cleanup_free_ uint8_t *data = NULL;
	struct tdx_store_entry *e;
	struct test_store s = {};
	struct tdx_image img;
	size_t size;

	e = entry_1_5_06(&s, false, &st);
	assert_int_equal(
		tdx_store_entry_load_image(e, TDX_IMAGE_FORMAT_V1, &data, &size, &img, NULL, NULL),
		-ESTALE);
	assert_int_equal(tdx_store_entry_peek(e, NULL), 0);
	assert_int_equal(
		tdx_store_entry_load_image(e, TDX_IMAGE_FORMAT_V1, &data, &size, &img, NULL, NULL),
		0);
	test_store_done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_store),
		cmocka_unit_test(test_hostile_spellings_ignored),
		cmocka_unit_test(test_intel_mappings),
		cmocka_unit_test(test_target_read_once),
		cmocka_unit_test(test_lookup_rewritten_in_place),
		cmocka_unit_test(test_scan_rewritten_in_place),
		cmocka_unit_test(test_load_needs_peek),
	};

	if (synth_trusted_keys(&test_keys) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
