// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
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

#include <tdx/history.h>
#include <tdx/image.h>

static struct tdx_history_record make_record(unsigned i)
{
	struct tdx_history_record r = {.remaining_before = 10, .remaining_after = 9};

	snprintf(r.boot_id, sizeof(r.boot_id), "%032x", i);
	r.time_usec = 1700000000000000ull + i;
	snprintf(r.from, sizeof(r.from), "1.5.%02u", i);
	snprintf(r.to, sizeof(r.to), "1.5.%02u", i + 1);
	memset(r.image_sha256, 'a', 64);
	snprintf(r.seamldr, sizeof(r.seamldr), "1.5.02");
	snprintf(r.result, sizeof(r.result), "success");
	return r;
}

static char *tmpdir_new(void)
{
	char tmpl[] = "/tmp/test-history-XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static void test_roundtrip(void **state)
{
	_cleanup_free_ char *dir = tmpdir_new(), *path = NULL;
	_cleanup_(tdx_history_freep) struct tdx_history *h = NULL, *back = NULL;
	struct tdx_history_record r = make_record(6);
	struct tdx_diag diag = {};

	assert_true(asprintf(&path, "%s/history.json", dir) > 0);
	assert_int_equal(tdx_history_new(&h), 0);
	snprintf(r.error, sizeof(r.error), "transferring:firmware-invalid");
	snprintf(r.result, sizeof(r.result), "refused");
	r.remaining_after = -1;
	assert_int_equal(tdx_history_append(h, &r, 10), 0);
	assert_int_equal(tdx_history_save(h, path), 0);
	assert_int_equal(tdx_history_load(path, &back, &diag), 0);
	assert_int_equal(back->n_records, 1);
	assert_memory_equal(&back->records[0], &r, sizeof(r));
	unlink(path);
	rmdir(dir);
}

static void test_missing_is_empty(void **state)
{
	_cleanup_(tdx_history_freep) struct tdx_history *h = NULL;

	assert_int_equal(tdx_history_load("/nonexistent/history.json", &h, NULL), 0);
	assert_int_equal(h->n_records, 0);
}

static void test_bounded(void **state)
{
	_cleanup_(tdx_history_freep) struct tdx_history *h = NULL;

	assert_int_equal(tdx_history_new(&h), 0);
	for (unsigned i = 0; i < 25; i++) {
		struct tdx_history_record r = make_record(i);

		assert_int_equal(tdx_history_append(h, &r, 10), 0);
	}
	assert_int_equal(h->n_records, 10);
	/* Oldest dropped, order kept. */
	assert_string_equal(h->records[0].from, "1.5.15");
	assert_string_equal(h->records[9].from, "1.5.24");
	assert_int_equal(tdx_history_append(h, &h->records[0], 0), -EINVAL);
}

static void test_corrupt_rejected(void **state)
{
	static const struct {
		const char *text;
		int err;
		const char *diag;
	} cases[] = {
		{"", -EBADMSG, "syntax"},
		{"{\"version\":1,\"records\":[", -EBADMSG, "syntax"},
		{"{\"version\":1,\"records\":[]} x", -EBADMSG, "trailing"},
		{"[]", -EINVAL, "top level"},
		{"{\"version\":2,\"records\":[]}", -EINVAL, "version"},
		{"{\"version\":1}", -EINVAL, "records"},
		{"{\"version\":1,\"records\":[5]}", -EINVAL, "record 0"},
		{"{\"version\":1,\"records\":[{\"time_usec\":\"x\"}]}", -EINVAL, "time_usec"},
		{"{\"version\":1,\"records\":[{\"time_usec\":1,\"boot_id\":\"\",\"from\":\"\","
		 "\"to\":\"\",\"image_sha256\":\"\",\"seamldr_version\":\"\","
		 "\"remaining_before\":-5,\"remaining_after\":1,\"result\":\"x\",\"error\":\"\"}]}",
		 -EINVAL, "remaining_before"},
		{"{\"version\":1,\"records\":[{\"time_usec\":1,\"boot_id\":\"\",\"from\":\"\","
		 "\"to\":\"\",\"image_sha256\":\"\",\"seamldr_version\":\"\","
		 "\"remaining_before\":1,\"remaining_after\":1,\"result\":\"\",\"error\":\"\"}]}",
		 -EINVAL, "result"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tdx_history *h = (struct tdx_history *)0x1;
		struct tdx_diag diag = {};

		print_message("case %zu\n", i);
		assert_int_equal(tdx_history_parse(cases[i].text, strlen(cases[i].text), &h, &diag),
				 cases[i].err);
		assert_ptr_equal(h, (struct tdx_history *)0x1);
		assert_non_null(strstr(diag.msg, cases[i].diag));
	}
}

static void test_quarantine(void **state)
{
	_cleanup_free_ char *dir = tmpdir_new(), *path = NULL, *aside = NULL;
	struct stat st;
	FILE *f;

	assert_true(asprintf(&path, "%s/history.json", dir) > 0);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("{ not json", f);
	fclose(f);
	assert_int_equal(tdx_history_quarantine(path, 1700000000ull * USEC_PER_SEC, &aside), 0);
	assert_non_null(strstr(aside, "history.json.corrupt-1700000000"));
	assert_int_equal(stat(aside, &st), 0);
	assert_int_equal(st.st_size, 10);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(tdx_history_quarantine(path, 0, NULL), -ENOENT);
	unlink(aside);
	rmdir(dir);
}

static void test_field_sanitized(void **state)
{
	char f[8];

	tdx_history_set_field(f, sizeof(f), "a\nb\tcdefghij");
	assert_string_equal(f, "a b cde");
	tdx_history_set_field(f, sizeof(f), NULL);
	assert_string_equal(f, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),  cmocka_unit_test(test_missing_is_empty),
		cmocka_unit_test(test_bounded),	   cmocka_unit_test(test_corrupt_rejected),
		cmocka_unit_test(test_quarantine), cmocka_unit_test(test_field_sanitized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
