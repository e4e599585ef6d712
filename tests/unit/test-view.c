// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The views (view.h): the budget rule written once, the result vocabulary,
 * and the documents tdxd serves and tdxctl renders, from fixture hosts.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include <tdx/json.h>
#include <tdx/view.h>

static void test_budget(void **state)
{
	struct tdx_host h = {.num_remaining_updates = 10};

	assert_int_equal(tdx_update_budget(&h, 1), 9);
	assert_int_equal(tdx_update_budget(&h, 10), 0);
	assert_int_equal(tdx_update_budget(&h, 12), 0);
	h.num_remaining_updates = 0;
	assert_int_equal(tdx_update_budget(&h, 0), 0);
	/* unreadable: unknown, pre-flight re-reads it under the lock */
	h.remaining_err = -EACCES;
	assert_int_equal(tdx_update_budget(&h, 1), UINT_MAX);
}

static void test_policy_host(void **state)
{
	struct tdx_host h = {
		.module_version = {1, 5, 6},
		.seamldr_version = {1, 5, 2},
	};
	struct tdx_policy_host ph;

	tdx_policy_host_from_host(&h, 0x806f8, &ph);
	assert_int_equal(ph.cpu_signature, 0x806f8);
	assert_true(ph.seamldr_known);
	assert_int_equal(ph.running.minor, 5);
	/* an unreadable version is no version, whatever the struct held */
	h.version_err = -EIO;
	h.seamldr_err = -EACCES;
	tdx_policy_host_from_host(&h, 0x806f8, &ph);
	assert_int_equal(ph.running.major, 0);
	assert_int_equal(ph.running.minor, 0);
	assert_false(ph.seamldr_known);
}

static void test_result_table(void **state)
{
	for (int r = 0; r < _TDX_RESULT_MAX; r++) {
		const char *s = tdx_update_result_to_string(r);

		assert_non_null(s);
		assert_int_equal(tdx_update_result_from_string(s), r);
	}
	assert_null(tdx_update_result_to_string(_TDX_RESULT_MAX));
	assert_int_equal(tdx_update_result_from_string("nonsense"), -EINVAL);
	assert_int_equal(tdx_update_result_from_string(NULL), -EINVAL);
	/* an outcome is the result of the same name */
	assert_string_equal(
		tdx_update_result_to_string(tdx_update_result_of_outcome(TDX_OUTCOME_FATAL)),
		tdx_update_outcome_to_string(TDX_OUTCOME_FATAL));
	assert_int_equal(tdx_plan_error_result(-EALREADY), TDX_RESULT_UP_TO_DATE);
	assert_int_equal(tdx_plan_error_result(-ENOSPC), TDX_RESULT_NO_PLAN);
	assert_int_equal(tdx_plan_error_result(-ENODATA), TDX_RESULT_NO_PLAN);
	assert_int_equal(tdx_plan_error_result(-ENOENT), TDX_RESULT_REFUSED);
}

static void test_result_of_run(void **state)
{
	struct tdx_hop_result hops[2] = {{.attempted = true, .outcome = TDX_OUTCOME_SUCCESS},
					 {.attempted = true, .outcome = TDX_OUTCOME_TIMEOUT}};

	assert_int_equal(tdx_update_result_of_run(hops, 2, 0, false), TDX_RESULT_TIMEOUT);
	assert_int_equal(tdx_update_result_of_run(hops, 1, 0, false), TDX_RESULT_SUCCESS);
	hops[1].attempted = false;
	assert_int_equal(tdx_update_result_of_run(hops, 2, -EPERM, false), TDX_RESULT_REFUSED);
	assert_int_equal(tdx_update_result_of_run(NULL, 0, 0, true), TDX_RESULT_CHECKED);
}

/* A probed fixture host and a view input over it, without a store. */
struct host_fixture {
	char *root;
	struct tdx_host *host;
	struct tdx_view_input in;
};

static void host_fixture_init(struct host_fixture *f, const struct fixture_spec *spec)
{
	assert_int_equal(fixture_create(spec, &f->root), 0);
	assert_int_equal(tdx_host_probe(f->root, &f->host), 0);
	f->in = (struct tdx_view_input){
		.host = f->host,
		.cpu_signature = 0x806f8,
		.store_path = "/nowhere/store",
		.store_error = "No such file or directory",
		.reserve = 1,
	};
}

static void host_fixture_done(struct host_fixture *f)
{
	tdx_host_free(f->host);
	fixture_destroy(f->root);
	free(f->root);
}

static const char *get_str(json_object *o, const char *path)
{
	json_object *v = o;
	char buf[64], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(v, k, &v))
			return NULL;
	return json_object_get_string(v);
}

static void test_status_without_store(void **state)
{
	struct host_fixture f = {};
	json_object *doc;

	host_fixture_init(&f, &(struct fixture_spec){.layout = TDX_ABI_MAINLINE});
	f.in.cpu_err = -ENOENT;
	doc = tdx_view_status(&f.in);
	assert_non_null(doc);
	assert_string_equal(get_str(doc, "module_version"), "1.5.06");
	assert_string_equal(get_str(doc, "store"), "/nowhere/store");
	/* no store: the decision is unknown, never "none" */
	assert_string_equal(get_str(doc, "best_update.state"), "unknown");
	assert_string_equal(get_str(doc, "best_update.reason"), "No such file or directory");
	/* what the text needs is in the document */
	assert_string_equal(get_str(doc, "cpu_signature_error"), strerror(ENOENT));
	assert_null(get_str(doc, "cpu_signature"));
	assert_string_equal(get_str(doc, "fw_upload_status"), "idle");
	assert_null(get_str(doc, "fw_upload_status_error"));
	json_object_put(doc);
	host_fixture_done(&f);
}

static void want_check(struct host_fixture *f, bool dry_run, enum tdx_update_result want,
		       const char *want_error)
{
	struct tdx_plan plan = {};
	char error[512] = "";

	assert_int_equal(tdx_view_update_check(&f->in, NULL, dry_run, &plan, error, sizeof(error)),
			 want);
	assert_non_null(strstr(error, want_error));
	tdx_plan_done(&plan);
}

static void test_update_check_refusals(void **state)
{
	struct host_fixture f = {};

	/* no runtime update: said before planning */
	host_fixture_init(&f, &(struct fixture_spec){.layout = TDX_ABI_MAINLINE, .hidden = true});
	want_check(&f, true, TDX_RESULT_REFUSED, "update refused: runtime update is unsupported: ");
	host_fixture_done(&f);

	/* one slot left and a reserve of one: the budget rule, with the pre-flight's words */
	host_fixture_init(&f, &(struct fixture_spec){.layout = TDX_ABI_MAINLINE, .remaining = "1"});
	want_check(&f, true, TDX_RESULT_REFUSED,
		   "update refused: updates_left: 1 update left and the reserve (Reserve=, "
		   "--reserve) keeps 1");
	f.in.reserve = 0;
	/* a slot, but no store: the store's line */
	want_check(&f, true, TDX_RESULT_REFUSED, "/nowhere/store: No such file or directory");
	host_fixture_done(&f);
}

static void test_verdict_documents(void **state)
{
	struct host_fixture f = {};
	json_object *doc;

	host_fixture_init(&f, &(struct fixture_spec){.layout = TDX_ABI_MAINLINE});
	doc = tdx_view_update_verdict(&f.in, false, TDX_RESULT_UP_TO_DATE, NULL);
	assert_string_equal(get_str(doc, "result"), "up-to-date");
	assert_string_equal(get_str(doc, "plan.from"), "1.5.06");
	assert_string_equal(get_str(doc, "plan.result"), "up-to-date");
	assert_null(get_str(doc, "error"));
	json_object_put(doc);
	/* a refusal has no plan, only its line; no host needed */
	doc = tdx_view_update_verdict(NULL, true, TDX_RESULT_NO_PLAN, "update refused: no plan: x");
	assert_string_equal(get_str(doc, "result"), "no-plan");
	assert_null(get_str(doc, "plan"));
	assert_string_equal(get_str(doc, "error"), "update refused: no plan: x");
	json_object_put(doc);
	/* a plan that failed: no hops, the running version, budget after the reserve */
	doc = tdx_view_plan(&f.in, NULL, TDX_RESULT_NO_PLAN, "no plan: y");
	assert_string_equal(get_str(doc, "from"), "1.5.06");
	assert_string_equal(get_str(doc, "budget"), "9");
	assert_string_equal(get_str(doc, "result"), "no-plan");
	json_object_put(doc);
	host_fixture_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_policy_host),
		cmocka_unit_test(test_result_table),
		cmocka_unit_test(test_result_of_run),
		cmocka_unit_test(test_status_without_store),
		cmocka_unit_test(test_update_check_refusals),
		cmocka_unit_test(test_verdict_documents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
