// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include <tdx/diag.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>

static char *attr(void **state, const char *rel, const char *value)
{
	if (value)
		assert_int_equal(fixture_write(*state, rel, value), 0);
	return tdx_path_join(*state, rel, NULL);
}

static void test_path_join(void **state)
{
	_cleanup_free_ char *a = tdx_path_join("/sys", "class/firmware", "tdx_module", NULL);
	_cleanup_free_ char *b = tdx_path_join("/sys/", "/devices", NULL);
	_cleanup_free_ char *c = tdx_path_join("root", NULL);

	assert_string_equal(a, "/sys/class/firmware/tdx_module");
	assert_string_equal(b, "/sys/devices");
	assert_string_equal(c, "root");
}

/* Byte for byte what asprintf("%s/%s") gave: slashes kept, doubled or not (store paths in
 * messages). */
static void test_strjoin(void **state)
{
	const char *parts[][2] = {{"/srv/store", "mapping_file.json"},
				  {"/srv/store/", "x"},
				  {"/", "/x"},
				  {"", ""},
				  {"a", ""}};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		_cleanup_free_ char *want = NULL;
		_cleanup_free_ char *got = tdx_strjoin(parts[i][0], "/", parts[i][1], NULL);

		assert_true(asprintf(&want, "%s/%s", parts[i][0], parts[i][1]) >= 0);
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	{
		_cleanup_free_ char *one = tdx_strjoin("only", NULL);

		assert_string_equal(one, "only");
	}
}

/* strerror()'s words (the tests run in the C locale, as tdxctl and tdxd do), unknown numbers too.
 */
static void test_errno_text(void **state)
{
	_cleanup_free_ char *unknown = NULL;

	(void)state;
	for (int e = 0; e < 300; e++) {
		_cleanup_free_ char *want = strdup(strerror(e));

		assert_non_null(want);
		assert_string_equal(tdx_errno_text(e), want);
	}
	assert_string_equal(tdx_errno_text(ENOENT), "No such file or directory");
	/* An unknown number's text lives in strerror()'s buffer, which its next call frees. */
	unknown = strdup(tdx_errno_text(-1));
	assert_non_null(unknown);
	assert_string_equal(unknown, strerror(-1));
}

static void test_read_strips_one_newline(void **state)
{
	_cleanup_free_ char *p = attr(state, "v", "1.5.06\n\n"), *q = attr(state, "w", "idle\n");
	_cleanup_free_ char *s = NULL, *t = NULL;

	assert_int_equal(tdx_sysfs_read(p, &s), 0);
	assert_string_equal(s, "1.5.06\n");
	assert_int_equal(tdx_sysfs_read(q, &t), 0);
	assert_string_equal(t, "idle");
}

static void test_read_capped(void **state)
{
	char big[6000];
	_cleanup_free_ char *p = NULL, *s = NULL;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p = attr(state, "big", big);
	assert_int_equal(tdx_sysfs_read(p, &s), 0);
	assert_int_equal(strlen(s), TDX_SYSFS_ATTR_MAX);
}

static void test_read_errno_passthrough(void **state)
{
	_cleanup_free_ char *missing = attr(state, "missing", NULL);
	_cleanup_free_ char *dir = attr(state, "devices", NULL);
	_cleanup_free_ char *sock = attr(state, "sock", NULL);
	char *s = (char *)0x1;
	char buf[8];

	assert_int_equal(fixture_make_enxio(*state, "sock"), 0);
	assert_int_equal(tdx_sysfs_read(missing, &s), -ENOENT);
	assert_int_equal(tdx_sysfs_read(dir, &s), -EISDIR);
	assert_int_equal(tdx_sysfs_read(sock, &s), -ENXIO);
	assert_int_equal(tdx_sysfs_read_buf(sock, buf, sizeof(buf)), -ENXIO);
	/* output parameter untouched on failure */
	assert_ptr_equal(s, (char *)0x1);
}

/* Root ignores file modes, so "not root" is a child that dropped to nobody. */
static void test_read_eacces_as_nobody(void **state)
{
	_cleanup_free_ char *p = attr(state, "secret", "7\n");
	_cleanup_free_ char *pub = attr(state, "public", "8\n");
	int status;
	pid_t pid;

	assert_int_equal(chmod(p, 0400), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *s = NULL;

		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		/* the public file proves the tree is reachable: EACCES is the mode's doing */
		if (tdx_sysfs_read(pub, &s) != 0 || strcmp(s, "8") != 0)
			_exit(3);
		_exit(tdx_sysfs_read(p, &s) == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_read_buf(void **state)
{
	_cleanup_free_ char *p = attr(state, "status", "transferring\n");
	char small[8], buf[32];

	assert_int_equal(tdx_sysfs_read_buf(p, small, sizeof(small)), -ENOBUFS);
	assert_int_equal(tdx_sysfs_read_buf(p, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "transferring");
}

static void test_write_exact(void **state)
{
	_cleanup_free_ char *p = attr(state, "loading", "junk-longer-than-value");
	_cleanup_free_ char *s = NULL;

	assert_int_equal(fixture_write(*state, "loading", ""), 0);
	assert_int_equal(tdx_sysfs_write(p, "-1"), 0);
	assert_int_equal(tdx_sysfs_read(p, &s), 0);
	assert_string_equal(s, "-1"); /* no newline added */
	assert_int_equal(tdx_sysfs_write("/nonexistent/dir/x", "1"), -ENOENT);
}

static void test_parse_uint32(void **state)
{
	static const struct {
		const char *s;
		int r;
		unsigned v;
	} t[] = {
		{"0", 0, 0},
		{"17\n", 0, 17},
		{"08", 0, 8},
		{"4294967295", 0, UINT32_MAX},
		{"4294967296", -EINVAL, 0},
		{"", -EINVAL, 0},
		{"\n", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{" 1", -EINVAL, 0},
		{"1 ", -EINVAL, 0},
		{"1\n\n", -EINVAL, 0},
		{"0x10", -EINVAL, 0},
		{"99999999999999999999", -EINVAL, 0},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		unsigned v = 12345;

		assert_int_equal(tdx_parse_uint32(t[i].s, &v), t[i].r);
		assert_int_equal(v, t[i].r == 0 ? t[i].v : 12345);
	}
}

static void test_cpu_list_count(void **state)
{
	static const struct {
		const char *s;
		int r;
		unsigned n;
	} t[] = {
		{"0", 0, 1},
		{"0-1\n", 0, 2},
		{"0,2-3", 0, 3},
		{"0-63,128-191", 0, 128},
		{"", 0, 0},
		{"\n", 0, 0},
		{"5-5", 0, 1},
		{"3-1", -EINVAL, 0},
		{"0,", -EINVAL, 0},
		{",0", -EINVAL, 0},
		{"0--1", -EINVAL, 0},
		{"a", -EINVAL, 0},
		{"0 1", -EINVAL, 0},
		{"0-65536", -EINVAL, 0},
		{"0\n\n", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"0-3,2-5", -EINVAL, 0}, /* overlapping: never printed by the kernel */
		{"4,0-1", -EINVAL, 0},	 /* unordered */
		{"1,1", -EINVAL, 0},	 /* repeated */
		{"0-65535", 0, 65536},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		unsigned n = 999;

		assert_int_equal(tdx_cpu_list_count(t[i].s, &n), t[i].r);
		assert_int_equal(n, t[i].r == 0 ? t[i].n : 999);
	}
}

static void test_default_root(void **state)
{
	assert_int_equal(setenv(TDX_SYSFS_ROOT_ENV, "/tmp/fake-sys", 1), 0);
	assert_string_equal(tdx_sysfs_default_root(), "/tmp/fake-sys");
	assert_int_equal(unsetenv(TDX_SYSFS_ROOT_ENV), 0);
	assert_string_equal(tdx_sysfs_default_root(), "/sys");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_strjoin),
		cmocka_unit_test(test_errno_text),
		cmocka_unit_test_setup_teardown(test_read_strips_one_newline, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_read_capped, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_read_errno_passthrough, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_read_eacces_as_nobody, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_read_buf, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_write_exact, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test(test_parse_uint32),
		cmocka_unit_test(test_cpu_list_count),
		cmocka_unit_test(test_default_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
