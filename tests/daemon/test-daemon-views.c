// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxd's cache (cache.c) and its view methods (bus-views.c), driven without
 * dbus-daemon: the real handlers on an sd-bus server on one end of a
 * socketpair, a client on the other, one thread pumping both. The host is a
 * sysfs fixture, the store a synthetic one from a real mapping file. Every
 * document must be byte for byte the library's view of the same facts, and
 * the cache must keep a document until the next refresh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus-names.h"
#include "document-fd.h"
#include "fixture.h"
#include "policy-store.h"
#include "tdxd.h"
#include <tdx/cpu.h>
#include <tdx/json.h>

/* tdxd.c's: the daemon's start-up and job bookkeeping are not under test. */
void manager_job_ended(struct manager *m)
{
}

struct harness {
	char *sysfs;
	char *state_dir;
	struct test_store store;
	struct manager m;
	sd_bus *client;
};

static int harness_bus(struct harness *h)
{
	sd_id128_t id;
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return -errno;
	assert_int_equal(sd_id128_randomize(&id), 0);
	assert_int_equal(sd_bus_new(&h->m.bus), 0);
	assert_int_equal(sd_bus_set_fd(h->m.bus, fds[0], fds[0]), 0);
	assert_int_equal(sd_bus_set_server(h->m.bus, 1, id), 0);
	assert_int_equal(sd_bus_negotiate_fds(h->m.bus, 1), 0);
	assert_int_equal(sd_bus_new(&h->client), 0);
	assert_int_equal(sd_bus_set_fd(h->client, fds[1], fds[1]), 0);
	assert_int_equal(sd_bus_negotiate_fds(h->client, 1), 0);
	assert_int_equal(manager_bus_register(&h->m), 0);
	assert_int_equal(sd_bus_start(h->m.bus), 0);
	assert_int_equal(sd_bus_start(h->client), 0);
	return 0;
}

static int harness_setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));
	char tmpl[] = "/tmp/tdxd-views-XXXXXX";

	assert_non_null(h);
	/* An SPR host: the 1.5 modules are candidates, so plans have hops. */
	assert_int_equal(setenv(TDX_CPU_SIGNATURE_ENV, "0x806f8", 1), 0);
	assert_int_equal(
		fixture_create(&(struct fixture_spec){.layout = TDX_ABI_MAINLINE}, &h->sysfs), 0);
	/* 1.5.16 is debug-signed: allow_debug changes the list. */
	assert_int_equal(test_store_from_file_ext(MAPPING_14C28CE, "1.5.16", NULL, &h->store), 0);
	assert_non_null(mkdtemp(tmpl));
	h->state_dir = strdup(tmpl);
	assert_int_equal(tdx_config_new(&h->m.config), 0);
	free(h->m.config->store_path);
	h->m.config->store_path = strdup(h->store.root);
	assert_int_equal(synth_trusted_keys(&h->m.config->trusted_keys), 0);
	h->m.sysfs_root = h->sysfs;
	assert_true(asprintf(&h->m.installed_path, "%s/installed.json", h->state_dir) > 0);
	assert_int_equal(harness_bus(h), 0);
	assert_int_equal(manager_refresh(&h->m), 0);
	*state = h;
	return 0;
}

static int harness_teardown(void **state)
{
	struct harness *h = *state;

	sd_bus_close_unref(h->client);
	sd_bus_close_unref(h->m.bus);
	pacing_free(&h->m);
	views_free(&h->m);
	tdxd_facts_done(&h->m.facts);
	props_done(&h->m.props);
	tdx_config_free(h->m.config);
	free(h->m.installed_path);
	fixture_destroy(h->sysfs);
	free(h->sysfs);
	synth_remove_tree(h->state_dir);
	free(h->state_dir);
	test_store_done(&h->store);
	free(h);
	return 0;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	*(sd_bus_message **)userdata = sd_bus_message_ref(m);
	return 0;
}

/* Sends msg and pumps both ends until its reply (or error) is back. */
static sd_bus_message *call(struct harness *h, sd_bus_message *msg)
{
	sd_bus_message *reply = NULL;

	assert_true(sd_bus_call_async(h->client, NULL, msg, on_reply, &reply, 0) >= 0);
	for (unsigned i = 0; !reply && i < 100000; i++) {
		int a = sd_bus_process(h->m.bus, NULL), b = sd_bus_process(h->client, NULL);

		assert_true(a >= 0 && b >= 0);
		if (a == 0 && b == 0)
			(void)sd_bus_wait(h->client, 1000);
	}
	assert_non_null(reply);
	sd_bus_message_unref(msg);
	return reply;
}

/* METHOD([target,] [options]) with the given options. */
static sd_bus_message *call_view(struct harness *h, const char *method, const char *target,
				 bool options, bool allow_debug)
{
	sd_bus_message *msg;

	assert_int_equal(sd_bus_message_new_method_call(h->client, &msg, NULL, TDX_BUS_PATH,
							TDX_BUS_IFACE, method),
			 0);
	if (target)
		assert_true(sd_bus_message_append(msg, "s", target) >= 0);
	if (options)
		assert_true(sd_bus_message_append(msg, "a{sv}", 1, "allow_debug", "b",
						  allow_debug) >= 0);
	return call(h, msg);
}

/* The text of a view reply: "s", or the sealed memfd "h". */
static char *reply_text(sd_bus_message *reply)
{
	const void *data;
	const char *s;
	size_t size;
	char *text;
	int fd;

	assert_false(sd_bus_message_is_method_error(reply, NULL));
	if (sd_bus_message_has_signature(reply, "s")) {
		assert_true(sd_bus_message_read(reply, "s", &s) > 0);
		text = strdup(s);
	} else {
		assert_true(sd_bus_message_read(reply, "h", &fd) > 0);
		assert_int_equal(document_fd_map(fd, 1u << 30, &data, &size), 0);
		text = strndup(data, size);
		munmap((void *)data, size);
	}
	sd_bus_message_unref(reply);
	assert_non_null(text);
	return text;
}

/* The library's document as tdxd serialises it (bus-views.c). */
static char *library_text(json_object *doc)
{
	char *text;

	assert_non_null(doc);
	text = tdx_utf8_sanitize(strdup(json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
	json_object_put(doc);
	assert_non_null(text);
	return text;
}

static void library_input(struct harness *h, bool allow_debug, struct tdx_view_input *in)
{
	manager_view_input(&h->m, &h->m.facts, allow_debug, false, in);
	in->held_keys = &h->m.held_keys;
}

static void expect_same(char *served, char *library)
{
	assert_string_equal(served, library);
	free(served);
	free(library);
}

static void test_status_and_list_equal_library(void **state)
{
	struct harness *h = *state;
	struct tdx_view_input in;
	json_object *list = NULL;
	char *served;

	library_input(h, false, &in);
	expect_same(reply_text(call_view(h, "GetStatus", NULL, false, false)),
		    library_text(tdx_view_status(&in)));
	served = reply_text(call_view(h, "GetList", NULL, true, false));
	assert_non_null(strstr(served, "\"debug_signed\"")); /* 1.5.16, debug-signed */
	assert_int_equal(tdx_view_list(&in, &list), 0);
	expect_same(served, library_text(list));
	/* the options reach the view: allow_debug is another question, another document */
	library_input(h, true, &in);
	assert_int_equal(tdx_view_list(&in, &list), 0);
	served = reply_text(call_view(h, "GetList", NULL, true, true));
	assert_null(strstr(served, "\"debug_signed\"")); /* 1.5.16's reason is gone */
	expect_same(served, library_text(list));
}

static void test_plan_and_check_equal_library(void **state)
{
	static const char *const targets[] = {"", "1.5.06", "1.5.08", "1.5.99"};
	struct harness *h = *state;
	struct tdx_view_input in;
	unsigned planned = 0;

	library_input(h, false, &in);
	for (size_t i = 0; i < ELEMENTSOF(targets); i++) {
		struct tdx_version v, *t = NULL;
		_cleanup_(tdx_plan_done) struct tdx_plan plan = {};
		char line[2 * TDX_DIAG_MAX] = "";
		enum tdx_update_result res;
		json_object *check;

		if (targets[i][0]) {
			assert_int_equal(tdx_version_parse(targets[i], &v), 0);
			t = &v;
		}
		expect_same(reply_text(call_view(h, "GetPlan", targets[i], true, false)),
			    library_text(tdx_view_plan_for(&in, t, "no plan")));
		res = tdx_view_update_check(&in, t, false, &plan, line, sizeof(line));
		planned += res == TDX_RESULT_PLANNED;
		check = res == TDX_RESULT_PLANNED
				? tdx_view_update(&(struct tdx_update_view){
					  .in = &in, .plan = &plan, .result = res})
				: tdx_view_update_verdict(&in, false, res, line);
		expect_same(reply_text(call_view(h, "CheckUpdate", targets[i], true, false)),
			    library_text(check));
	}
	/* "" and 1.5.08 have a plan; 1.5.06 runs; 1.5.99 is not in the store */
	assert_int_equal(planned, 2);
}

static void test_bad_target_is_invalid_args(void **state)
{
	struct harness *h = *state;
	sd_bus_message *reply = call_view(h, "GetPlan", "not-a-version", true, false);

	assert_true(sd_bus_message_is_method_error(reply, SD_BUS_ERROR_INVALID_ARGS));
	assert_non_null(strstr(sd_bus_message_get_error(reply)->message, "not-a-version"));
	sd_bus_message_unref(reply);
}

/* A document is the last refresh's: a host change shows only after the next one. */
static void test_documents_kept_until_refresh(void **state)
{
	struct harness *h = *state;
	const char *names[32];
	struct tdxd_props old = {};
	char *before, *cached, *after;

	before = reply_text(call_view(h, "GetStatus", NULL, false, false));
	assert_non_null(strstr(before, "\"module_version\":\"1.5.06\""));
	assert_int_equal(fixture_write(h->sysfs, FIXTURE_VERSION, "1.5.08\n"), 0);
	cached = reply_text(call_view(h, "GetStatus", NULL, false, false));
	assert_string_equal(cached, before);
	assert_string_equal(h->m.props.module_version, "1.5.06");

	old.module_version = strdup(h->m.props.module_version);
	assert_int_equal(manager_refresh(&h->m), 0);
	after = reply_text(call_view(h, "GetStatus", NULL, false, false));
	assert_non_null(strstr(after, "\"module_version\":\"1.5.08\""));
	assert_string_equal(h->m.props.module_version, "1.5.08");
	/* PropertiesChanged names ModuleVersion among what moved */
	{
		struct tdxd_props cmp = h->m.props;
		size_t n;

		cmp.module_version = old.module_version;
		n = props_changed(&cmp, &h->m.props, names, ELEMENTSOF(names));
		assert_int_equal(n, 1);
		assert_string_equal(names[0], "ModuleVersion");
	}
	free(old.module_version);
	free(before);
	free(cached);
	free(after);
}

/* The cached properties are the library's facts, and "best update" its plan. */
static void test_cache_matches_library(void **state)
{
	struct harness *h = *state;
	_cleanup_(tdx_plan_done) struct tdx_plan plan = {};
	struct tdx_diag diag = {};
	struct tdx_view_input in;
	char buf[TDX_VERSION_STRING_MAX];
	int r;

	assert_string_equal(h->m.props.module_version, "1.5.06");
	assert_string_equal(h->m.props.module_state, "running");
	assert_int_equal(h->m.props.remaining_updates, 10);
	assert_string_equal(h->m.props.store_path, h->store.root);
	assert_string_equal(h->m.props.update_state, "idle");
	library_input(h, false, &in);
	r = tdx_view_plan_compute(&in, NULL, &plan, &diag);
	assert_int_equal(r, 0);
	assert_string_equal(h->m.props.best_update,
			    tdx_version_format(&plan.hops[plan.n_hops - 1]->version, buf));
	/* a store that goes away is said, not hidden */
	free(h->m.config->store_path);
	h->m.config->store_path = strdup("/nonexistent/store");
	assert_int_equal(manager_refresh(&h->m), 0);
	assert_null(h->m.store);
	assert_string_equal(h->m.props.best_update, "");
	assert_non_null(strstr(h->m.props.best_update_reason, "No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_and_list_equal_library, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_plan_and_check_equal_library, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_bad_target_is_invalid_args, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_documents_kept_until_refresh, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_cache_matches_library, harness_setup,
						harness_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
