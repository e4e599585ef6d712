// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/image.h>
#include <tdx/mapping.h>
#include "../../src/lib/mapping-internal.h"

#define V(a, b, c) (&(struct tdx_version){a, b, c})

static struct tdx_mapping *load_real(const char *name)
{
	struct tdx_mapping *m = NULL;
	struct tdx_diag diag = {};
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
	if (tdx_mapping_load(path, &m, &diag) < 0)
		fail_msg("%s: %s", path, diag.msg);
	return m;
}

static void test_real_28a4baa(void **state)
{
	struct tdx_mapping *m = load_real("mapping_file-28a4baa.json");
	const struct tdx_release *r;

	assert_int_equal(m->n_releases, 11);
	assert_string_equal(m->header_version, "1.0");
	for (size_t i = 0; i < m->n_releases; i++) {
		assert_false(m->releases[i].has_strict_compat); /* the older file has none */
		assert_true(m->releases[i].has_tdx_feature0);
		if (i > 0)
			assert_true(tdx_version_compare(&m->releases[i - 1].version,
							&m->releases[i].version) < 0);
	}
	r = tdx_mapping_find(m, V(1, 5, 6));
	assert_non_null(r);
	assert_true(tdx_version_equal(&r->min_td_preserving, V(1, 5, 1)));
	assert_int_equal(r->n_min_seamldr, 2);
	assert_true(tdx_version_equal(&r->min_seamldr[1], V(2, 0, 0)));
	assert_int_equal(r->tdx_feature0, 0x2E1F0FBFull);
	r = tdx_mapping_find(m, V(2, 0, 8));
	assert_non_null(r);
	assert_true(tdx_version_equal(&r->min_td_preserving, V(2, 0, 4)));
	assert_int_equal(r->tdx_feature0, 0x32A71F0FBFull);
	assert_null(tdx_mapping_find(m, V(1, 5, 7)));
	assert_null(tdx_mapping_find(m, V(1, 5, 20)));
	tdx_mapping_free(m);
}

static void test_real_14c28ce(void **state)
{
	struct tdx_mapping *m = load_real("mapping_file-14c28ce.json");
	const struct tdx_release *r;

	assert_int_equal(m->n_releases, 20);
	assert_true(tdx_version_equal(&m->releases[0].version, V(1, 5, 1)));
	assert_true(tdx_version_equal(&m->releases[19].version, V(2, 0, 18)));
	r = tdx_mapping_find(m, V(1, 5, 1));
	assert_true(r->has_strict_compat); /* present but empty */
	assert_int_equal(r->n_strict_compat, 0);
	r = tdx_mapping_find(m, V(1, 5, 24));
	assert_non_null(r);
	assert_int_equal(r->tdx_feature0, 0xD1326F3F0FBFull);
	assert_int_equal(r->n_strict_compat, 2);
	assert_true(tdx_release_strict_lists(r, V(1, 5, 20)));
	assert_false(tdx_release_strict_lists(r, V(1, 5, 13)));
	assert_int_equal(r->n_min_seamldr, 1);
	assert_true(tdx_release_seamldr_ok(r, V(1, 5, 0)));
	assert_true(tdx_release_seamldr_ok(r, V(1, 5, 3)));
	assert_false(tdx_release_seamldr_ok(r, V(2, 0, 0)));
	r = tdx_mapping_find(m, V(1, 5, 25));
	assert_false(tdx_release_seamldr_ok(r, V(1, 5, 9)));
	assert_true(tdx_release_seamldr_ok(r, V(2, 0, 1)));
	r = tdx_mapping_find(m, V(1, 5, 34));
	assert_int_equal(r->tdx_feature0, 0x15AD9326F3F1FBFull);
	assert_int_equal(r->n_strict_compat, 5);
	tdx_mapping_free(m);
}

/* Our own catalog: the properties mapping/README.md promises the demo and VM scenarios. */
/* Intel's files and ours take the fast path (one release at a time), else it buys nothing. */
static void test_fast_path_taken(void **state)
{
	static const char *const files[] = {
		TEST_DATA_DIR "/mapping_file-28a4baa.json",
		TEST_DATA_DIR "/mapping_file-14c28ce.json",
		TOP_SRCDIR "/mapping/synthetic/mapping_file.json",
	};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_(tdx_mapping_freep) struct tdx_mapping *fast = NULL, *tree = NULL;
		_cleanup_free_ uint8_t *text = NULL;
		struct tdx_diag diag = {};
		size_t size;

		assert_int_equal(tdx_file_read_all(files[i], 1 << 20, &text, &size, &diag), 0);
		assert_int_equal(tdx_mapping_parse_fast((const char *)text, size, &fast), 0);
		assert_int_equal(tdx_mapping_parse_tree((const char *)text, size, &tree, &diag), 0);
		assert_int_equal(fast->n_releases, tree->n_releases);
		assert_string_equal(fast->header_version ?: "", tree->header_version ?: "");
	}
	/* anything unusual is the tree's to judge: a comment, a repeated member */
	{
		static const char *const odd[] = {
			"{/* c */\"tdx_module_releases\":[]}",
			"{\"tdx_module_releases\":[],\"tdx_module_releases\":[]}",
			"{\"tdx_module_releases\":[],}",
			"{\"Header\":null,\"tdx_module_releases\":[]}",
		};

		for (size_t i = 0; i < ELEMENTSOF(odd); i++) {
			struct tdx_mapping *m = NULL;

			assert_int_equal(tdx_mapping_parse_fast(odd[i], strlen(odd[i]), &m),
					 -EAGAIN);
			assert_null(m);
		}
	}
}

static void test_synthetic_catalog(void **state)
{
	struct tdx_mapping *m = NULL;
	const struct tdx_release *r;
	struct tdx_diag diag = {};

	if (tdx_mapping_load(TOP_SRCDIR "/mapping/synthetic/mapping_file.json", &m, &diag) < 0)
		fail_msg("synthetic catalog: %s", diag.msg);
	assert_int_equal(m->n_releases, 8);
	for (size_t i = 0; i < m->n_releases; i++)
		assert_true(tdx_version_same_series(&m->releases[i].version, V(1, 5, 0)));
	/* 1.5.20, the newest, is not one hop from the start version 1.5.01. */
	r = &m->releases[m->n_releases - 1];
	assert_true(tdx_version_equal(&r->version, V(1, 5, 20)));
	assert_true(tdx_version_compare(&r->min_td_preserving, V(1, 5, 1)) > 0);
	assert_false(r->has_strict_compat);
	/* ...but one hop from 1.5.06, which 1.5.01 reaches directly. */
	assert_true(tdx_version_equal(&r->min_td_preserving, V(1, 5, 6)));
	r = tdx_mapping_find(m, V(1, 5, 6));
	assert_true(tdx_version_equal(&r->min_td_preserving, V(1, 5, 1)));
	/* 1.5.05 needs the 2.0 P-SEAMLDR line. */
	r = tdx_mapping_find(m, V(1, 5, 5));
	assert_false(tdx_release_seamldr_ok(r, V(1, 5, 0)));
	assert_true(tdx_release_seamldr_ok(r, V(2, 0, 0)));
	r = tdx_mapping_find(m, V(1, 5, 10));
	assert_true(r->has_strict_compat);
	assert_true(tdx_release_strict_lists(r, V(1, 5, 6)));
	assert_false(tdx_release_strict_lists(r, V(1, 5, 1)));
	tdx_mapping_free(m);
}

#define RELEASE(fields) "{\"tdx_module_releases\": [" fields "]}"
#define OK_REL                                                                             \
	"{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\", " \
	"\"min_seamldr_versions\": [\"1.5.00\"]}"
#define OK_REL_08                                                                          \
	"{\"version\": \"1.5.08\", \"min_module_version_for_td_preserving\": \"1.5.01\", " \
	"\"min_seamldr_versions\": [\"1.5.00\"]}"

static const struct {
	const char *name;
	const char *json;
	int ret;
	const char *diag;
} bad_cases[] = {
	{"truncated", "{\"tdx_module_releases\": [", -EBADMSG, "ends early at byte 25"},
	{"syntax", "{\"tdx_module_releases\": [}", -EBADMSG, "syntax error at byte 25"},
	{"trailing", RELEASE(OK_REL) " x", -EBADMSG, "trailing data at byte"},
	{"empty", "", -EBADMSG, "ends early"},
	{"not an object", "[1, 2]", -EINVAL, "top level: expected an object, got array"},
	{"no releases", "{\"Header\": {}}", -EINVAL, "tdx_module_releases: missing"},
	{"releases object", "{\"tdx_module_releases\": {}}", -EINVAL,
	 "tdx_module_releases: expected an array, got object"},
	{"header string", "{\"Header\": \"x\", \"tdx_module_releases\": []}", -EINVAL,
	 "Header: expected an object, got string"},
	{"header version int", "{\"Header\": {\"Version\": 1}, \"tdx_module_releases\": []}",
	 -EINVAL, "Header.Version: expected a string, got int"},
	{"release not object", RELEASE(OK_REL ", 7"), -EINVAL,
	 "tdx_module_releases[1]: expected an object, got int"},
	{"missing version",
	 RELEASE("{\"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": []}"),
	 -EINVAL, "tdx_module_releases[0].version: missing"},
	{"missing min", RELEASE("{\"version\": \"1.5.06\", \"min_seamldr_versions\": []}"), -EINVAL,
	 "tdx_module_releases[0].min_module_version_for_td_preserving: missing"},
	{"missing seamldr",
	 RELEASE("{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\"}"),
	 -EINVAL, "tdx_module_releases[0].min_seamldr_versions: missing"},
	{"version number",
	 RELEASE("{\"version\": 1.5, \"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": []}"),
	 -EINVAL, "tdx_module_releases[0].version: expected a string, got double"},
	{"bad version",
	 RELEASE(OK_REL ", {\"version\": \"1.5.6.1\", \"min_module_version_for_td_preserving\": "
			"\"1.5.01\", \"min_seamldr_versions\": []}"),
	 -EINVAL, "tdx_module_releases[1].version: \"1.5.6.1\" is not a version"},
	{"bad seamldr entry",
	 RELEASE(OK_REL ", " OK_REL ", " OK_REL
			", {\"version\": \"1.5.07\", \"min_module_version_for_td_preserving\": "
			"\"1.5.01\", \"min_seamldr_versions\": [\"1.5.x\"]}"),
	 -EINVAL, "tdx_module_releases[3].min_seamldr_versions[0]: \"1.5.x\" is not a version"},
	{"seamldr not array",
	 RELEASE("{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": \"1.5.00\"}"),
	 -EINVAL, "tdx_module_releases[0].min_seamldr_versions: expected an array, got string"},
	{"strict entry int",
	 RELEASE("{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": [], \"strict_compat_versions\": [\"1.5.01\", 5]}"),
	 -EINVAL, "tdx_module_releases[0].strict_compat_versions[1]: expected a string, got int"},
	{"strict null",
	 RELEASE("{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": [], \"strict_compat_versions\": null}"),
	 -EINVAL, "tdx_module_releases[0].strict_compat_versions: is null"},
	{"feature0 junk",
	 RELEASE("{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": [], \"tdx_feature0\": \"0xG1\"}"),
	 -EINVAL, "tdx_module_releases[0].tdx_feature0: \"0xG1\" is not a hex number"},
	{"feature0 no prefix",
	 RELEASE("{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": [], \"tdx_feature0\": \"F0FBF\"}"),
	 -EINVAL, "is not a hex number"},
	{"feature0 too long",
	 RELEASE("{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": [], \"tdx_feature0\": \"0x11112222333344445\"}"),
	 -EINVAL, "is not a hex number"},
	{"feature0 number",
	 RELEASE("{\"version\": \"1.5.06\", \"min_module_version_for_td_preserving\": \"1.5.01\", "
		 "\"min_seamldr_versions\": [], \"tdx_feature0\": 1234}"),
	 -EINVAL, "tdx_module_releases[0].tdx_feature0: expected a string, got int"},
	{"duplicate", RELEASE(OK_REL ", " OK_REL), -EINVAL,
	 "tdx_module_releases[1].version: \"1.5.06\" duplicates tdx_module_releases[0]"},
	/* Out of order, so sorted first (in order, the sort is skipped): still the later one named.
	 */
	{"duplicate unsorted", RELEASE(OK_REL_08 ", " OK_REL ", " OK_REL_08), -EINVAL,
	 "tdx_module_releases[2].version: \"1.5.08\" duplicates tdx_module_releases[0]"},
};

static void test_bad_inputs(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct tdx_mapping *m = (struct tdx_mapping *)0x1;
		struct tdx_diag diag = {};

		print_message("case: %s\n", bad_cases[i].name);
		assert_int_equal(
			tdx_mapping_parse(bad_cases[i].json, strlen(bad_cases[i].json), &m, &diag),
			bad_cases[i].ret);
		print_message("  diag: %s\n", diag.msg);
		assert_non_null(strstr(diag.msg, bad_cases[i].diag));
		assert_ptr_equal(m, (struct tdx_mapping *)0x1);
	}
}

static void test_tolerant_and_sorted(void **state)
{
	static const char json[] =
		"{\"Future\": {\"a\": [1]}, \"tdx_module_releases\": ["
		"{\"version\": \"1.5.10\", \"min_module_version_for_td_preserving\": \"1.5.06\", "
		" \"min_seamldr_versions\": [\"1.5.00\"], \"new_field\": true, "
		" \"strict_compat_versions\": [\"1.5.08\"]},"
		"{\"version\": \"1.5.9\", \"min_module_version_for_td_preserving\": \"1.5.01\", "
		" \"min_seamldr_versions\": []}]}\n\n";
	struct tdx_mapping *m = NULL;
	const struct tdx_release *r;

	assert_int_equal(tdx_mapping_parse(json, strlen(json), &m, NULL), 0);
	assert_null(m->header_version);
	assert_int_equal(m->n_releases, 2);
	/* Numeric order: 1.5.9 before 1.5.10. */
	assert_true(tdx_version_equal(&m->releases[0].version, V(1, 5, 9)));
	assert_true(tdx_version_equal(&m->releases[1].version, V(1, 5, 10)));
	r = tdx_mapping_find(m, V(1, 5, 9));
	assert_false(r->has_strict_compat);
	assert_false(r->has_tdx_feature0);
	assert_false(tdx_release_seamldr_ok(r, V(1, 5, 99))); /* empty list: nothing qualifies */
	r = tdx_mapping_find(m, V(1, 5, 10));
	assert_true(r->has_strict_compat);
	assert_true(tdx_release_strict_lists(r, V(1, 5, 8)));
	assert_true(tdx_version_equal(&r->min_td_preserving, V(1, 5, 6)));
	tdx_mapping_free(m);
}

static void test_nul_and_load_errors(void **state)
{
	static const char json[] = RELEASE(OK_REL);
	struct tdx_mapping *m = NULL;
	struct tdx_diag diag = {};

	/* A NUL inside the text must not hide what follows it. */
	assert_int_equal(tdx_mapping_parse(json, sizeof(json), &m, &diag), -EBADMSG);
	assert_non_null(strstr(diag.msg, "NUL byte at offset"));
	assert_int_equal(tdx_mapping_parse(json, sizeof(json) - 1, &m, NULL), 0);
	tdx_mapping_free(m);
	m = NULL;
	assert_int_equal(tdx_mapping_load("/nonexistent/mapping_file.json", &m, &diag), -ENOENT);
	assert_string_equal(diag.msg, "cannot open: No such file or directory");
	assert_null(m);
	assert_null(tdx_mapping_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_28a4baa),
		cmocka_unit_test(test_real_14c28ce),
		cmocka_unit_test(test_fast_path_taken),
		cmocka_unit_test(test_synthetic_catalog),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_tolerant_and_sorted),
		cmocka_unit_test(test_nul_and_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
