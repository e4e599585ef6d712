// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include <tdx/host.h>
#include <tdx/macro.h>

/* Builds a fixture from spec, probes it, and removes the tree. */
static struct tdx_host *probe(const struct fixture_spec *spec)
{
	_cleanup_free_ char *root = NULL;
	struct tdx_host *h = NULL;

	assert_int_equal(fixture_create(spec, &root), 0);
	assert_int_equal(tdx_host_probe(root, &h), 0);
	fixture_destroy(root);
	return h;
}

static void assert_version(const struct tdx_version *v, uint32_t a, uint32_t b, uint32_t c)
{
	assert_int_equal(v->major, a);
	assert_int_equal(v->minor, b);
	assert_int_equal(v->update, c);
}

static void test_mainline(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_MAINLINE,
				    .version = "1.5.08",
				    .seamldr_version = "1.5.03",
				    .remaining = "7"};
	_cleanup_(tdx_host_freep) struct tdx_host *h = probe(&spec);

	assert_int_equal(h->layout, TDX_ABI_MAINLINE);
	assert_int_equal(h->image_format, TDX_IMAGE_FORMAT_V2);
	assert_int_equal(h->module_state, TDX_MODULE_RUNNING);
	assert_int_equal(h->update_support, TDX_UPDATE_SUPPORTED);
	assert_int_equal(h->version_err, 0);
	assert_version(&h->module_version, 1, 5, 8); /* "08" is decimal */
	assert_int_equal(h->seamldr_err, 0);
	assert_version(&h->seamldr_version, 1, 5, 3);
	assert_int_equal(h->remaining_err, 0);
	assert_int_equal(h->num_remaining_updates, 7);
	assert_non_null(strstr(h->paths.fwupload_dir, "/class/firmware/tdx_module"));
	assert_non_null(strstr(h->paths.seamldr_version, "tdx_host/seamldr_version"));
	assert_string_equal(tdx_abi_layout_to_string(h->layout), "mainline");
}

static void test_seamldr_dir(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_SEAMLDR_DIR, .remaining = "3"};
	_cleanup_(tdx_host_freep) struct tdx_host *h = probe(&spec);

	assert_int_equal(h->layout, TDX_ABI_SEAMLDR_DIR);
	assert_int_equal(h->image_format, TDX_IMAGE_FORMAT_V1);
	assert_int_equal(h->update_support, TDX_UPDATE_SUPPORTED);
	assert_int_equal(h->num_remaining_updates, 3);
	assert_version(&h->seamldr_version, 1, 5, 2);
	assert_non_null(strstr(h->paths.seamldr_version, "tdx_host/seamldr/version"));
	assert_non_null(strstr(h->paths.fwupload_dir, "/class/firmware/tdx_module"));
}

static void test_seamldr_upload(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_SEAMLDR_UPLOAD};
	_cleanup_(tdx_host_freep) struct tdx_host *h = probe(&spec);

	assert_int_equal(h->layout, TDX_ABI_SEAMLDR_UPLOAD);
	assert_int_equal(h->image_format, TDX_IMAGE_FORMAT_V1);
	assert_int_equal(h->update_support, TDX_UPDATE_SUPPORTED);
	assert_non_null(strstr(h->paths.fwupload_dir, "/class/firmware/seamldr_upload"));
}

static void test_device_path_fallback(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_MAINLINE, .device_path_only = true};
	_cleanup_(tdx_host_freep) struct tdx_host *h = probe(&spec);

	assert_int_equal(h->update_support, TDX_UPDATE_SUPPORTED);
	assert_non_null(strstr(h->paths.fwupload_dir, "devices/faux/tdx_host/firmware/tdx_module"));
}

static void test_not_a_tdx_host(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_UNKNOWN};
	_cleanup_(tdx_host_freep) struct tdx_host *h = probe(&spec);

	assert_int_equal(h->layout, TDX_ABI_UNKNOWN);
	assert_int_equal(h->module_state, TDX_MODULE_ABSENT);
	assert_int_equal(h->update_support, TDX_UPDATE_UNSUPPORTED_NO_HOST);
	assert_int_equal(h->version_err, -ENOENT);
	assert_null(h->paths.fwupload_dir);
	assert_string_equal(tdx_update_support_to_string(h->update_support), "no-tdx-host");
	assert_non_null(strstr(tdx_update_support_describe(h->update_support), "not a TDX host"));
}

static void test_hidden(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_MAINLINE, .hidden = true};
	_cleanup_(tdx_host_freep) struct tdx_host *h = probe(&spec);

	assert_int_equal(h->module_state, TDX_MODULE_RUNNING);
	assert_int_equal(h->update_support, TDX_UPDATE_UNSUPPORTED_HIDDEN);
	assert_int_equal(h->seamldr_err, -ENOENT);
	assert_int_equal(h->remaining_err, -ENOENT);
	assert_null(h->paths.fwupload_dir);
}

static void test_no_fwupload(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_MAINLINE, .no_fwupload = true};
	_cleanup_(tdx_host_freep) struct tdx_host *h = probe(&spec);

	assert_int_equal(h->update_support, TDX_UPDATE_UNSUPPORTED_NO_FWUPLOAD);
	assert_int_equal(h->seamldr_err, 0);
	assert_null(h->paths.fwupload_dir);
}

static void test_lost(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_MAINLINE, .lost = true};
	_cleanup_(tdx_host_freep) struct tdx_host *h = NULL;
	_cleanup_free_ char *root = NULL;
	struct tdx_version v = {9, 9, 9};

	assert_int_equal(fixture_create(&spec, &root), 0);
	assert_int_equal(tdx_host_probe(root, &h), 0);
	assert_int_equal(h->module_state, TDX_MODULE_LOST);
	assert_int_equal(h->version_err, -ENXIO);
	assert_int_equal(tdx_host_read_version(h, &v), -ENXIO);
	assert_version(&v, 9, 9, 9); /* untouched on failure */
	assert_string_equal(tdx_module_state_to_string(h->module_state), "lost");
	fixture_destroy(root);
}

static void test_junk_values(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_SEAMLDR_DIR,
				    .version = "1.5",
				    .seamldr_version = "x.y.z\n",
				    .remaining = "-3"};
	_cleanup_(tdx_host_freep) struct tdx_host *h = probe(&spec);

	assert_int_equal(h->version_err, -EINVAL);
	assert_int_equal(h->module_state, TDX_MODULE_UNKNOWN);
	assert_int_equal(h->seamldr_err, -EINVAL);
	assert_int_equal(h->remaining_err, -EINVAL);
	assert_int_equal(h->num_remaining_updates, 0);
}

static void test_refresh_sees_update(void **state)
{
	struct fixture_spec spec = {
		.layout = TDX_ABI_MAINLINE, .version = "1.5.06", .remaining = "4"};
	_cleanup_(tdx_host_freep) struct tdx_host *h = NULL;
	_cleanup_free_ char *root = NULL;

	assert_int_equal(fixture_create(&spec, &root), 0);
	assert_int_equal(tdx_host_probe(root, &h), 0);
	assert_int_equal(fixture_write(root, FIXTURE_VERSION, "1.5.08\n"), 0);
	assert_int_equal(fixture_write(root, fixture_remaining_rel(spec.layout), "3\n"), 0);
	assert_int_equal(tdx_host_refresh(h), 0);
	assert_version(&h->module_version, 1, 5, 8);
	assert_int_equal(h->num_remaining_updates, 3);
	assert_int_equal(fixture_make_enxio(root, FIXTURE_VERSION), 0);
	assert_int_equal(tdx_host_refresh(h), 0);
	assert_int_equal(h->module_state, TDX_MODULE_LOST);
	fixture_destroy(root);
}

/* Not root: the 0400 P-SEAMLDR attributes fail, the probe still succeeds with the version. */
static void test_not_root(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_MAINLINE};
	_cleanup_free_ char *root = NULL;
	int status;
	pid_t pid;

	assert_int_equal(fixture_create(&spec, &root), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tdx_host *h = NULL;

		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(10);
		if (tdx_host_probe(root, &h) < 0)
			_exit(11);
		if (h->module_state != TDX_MODULE_RUNNING || h->module_version.update != 6)
			_exit(12);
		if (h->seamldr_err != -EACCES || h->remaining_err != -EACCES)
			_exit(13);
		if (h->update_support != TDX_UPDATE_SUPPORTED)
			_exit(14);
		tdx_host_free(h);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fixture_destroy(root);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_cpus_online(void **state)
{
	struct fixture_spec spec = {
		.layout = TDX_ABI_MAINLINE, .cpu_online = "0", .cpu_present = "0-1"};
	_cleanup_(tdx_host_freep) struct tdx_host *h = NULL;
	_cleanup_free_ char *root = NULL, *online = NULL, *present = NULL;
	bool all = true;

	assert_int_equal(fixture_create(&spec, &root), 0);
	assert_int_equal(tdx_host_probe(root, &h), 0);
	assert_int_equal(tdx_host_cpus_all_online(h, &all, &online, &present), 0);
	assert_false(all);
	assert_string_equal(online, "0");
	assert_string_equal(present, "0-1");
	assert_int_equal(fixture_write(root, FIXTURE_CPU_ONLINE, "0-1\n"), 0);
	assert_int_equal(tdx_host_cpus_all_online(h, &all, NULL, NULL), 0);
	assert_true(all);
	fixture_destroy(root);
}

static void test_root_from_environment(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_SEAMLDR_UPLOAD};
	_cleanup_(tdx_host_freep) struct tdx_host *h = NULL;
	_cleanup_free_ char *root = NULL;

	assert_int_equal(fixture_create(&spec, &root), 0);
	assert_int_equal(setenv("TDXCTL_SYSFS_ROOT", root, 1), 0);
	assert_int_equal(tdx_host_probe(NULL, &h), 0);
	assert_int_equal(unsetenv("TDXCTL_SYSFS_ROOT"), 0);
	assert_int_equal(h->layout, TDX_ABI_SEAMLDR_UPLOAD);
	assert_string_equal(h->paths.sysfs_root, root);
	fixture_destroy(root);
}

static void test_bad_root(void **state)
{
	struct tdx_host *h = (struct tdx_host *)0x1;

	assert_int_equal(tdx_host_probe("/nonexistent-sysfs-root", &h), -ENOENT);
	assert_ptr_equal(h, (struct tdx_host *)0x1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mainline),
		cmocka_unit_test(test_seamldr_dir),
		cmocka_unit_test(test_seamldr_upload),
		cmocka_unit_test(test_device_path_fallback),
		cmocka_unit_test(test_not_a_tdx_host),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_no_fwupload),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_junk_values),
		cmocka_unit_test(test_refresh_sees_update),
		cmocka_unit_test(test_not_root),
		cmocka_unit_test(test_cpus_online),
		cmocka_unit_test(test_root_from_environment),
		cmocka_unit_test(test_bad_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
