// SPDX-License-Identifier: LGPL-2.1-or-later
/* Named inhibitors with a lifetime (inhibit-keys.h), on a fake clock. */
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
#include <unistd.h>

#include "fixture.h"
#include <tdx/image.h>
#include <tdx/inhibit-keys.h>
#include <tdx/lock.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>

#define BOOT_A "0123456789abcdef0123456789abcdef"
#define BOOT_B "fedcba9876543210fedcba9876543210"
#define MIN    (60 * USEC_PER_SEC)

static const struct tdx_inhibit_now t0 = {
	.boottime_usec = 1000 * USEC_PER_SEC, .realtime_usec = 1, .boot_id = BOOT_A};

static struct tdx_inhibit_now at(uint64_t after_usec)
{
	struct tdx_inhibit_now t = t0;

	t.boottime_usec += after_usec;
	return t;
}

static char *lock_of(void **state)
{
	return tdx_path_join(*state, "run/tdxctl/update.lock", NULL);
}

static struct tdx_inhibit_hold_req req(const char *key, uint64_t ttl)
{
	return (struct tdx_inhibit_hold_req){.key = key,
					     .who = "libvirt",
					     .why = "TD build",
					     .ttl_usec = ttl,
					     .max_ttl_usec = 60 * MIN};
}

static size_t n_held(const char *lock, struct tdx_inhibit_now t)
{
	struct tdx_inhibit_keys keys = {0};
	size_t n;

	assert_int_equal(tdx_inhibit_keys_list(lock, &t, false, &keys, NULL), 0);
	n = keys.n_held;
	tdx_inhibit_keys_done(&keys);
	return n;
}

static void test_hold_list_release(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	_cleanup_free_ char *file = tdx_path_join(*state, "run/tdxctl/inhibit.d/libvirt:42", NULL);
	struct tdx_inhibit_hold_req r = req("libvirt:42", 10 * MIN);
	struct tdx_inhibit_keys keys = {0};
	struct tdx_inhibit_key k;
	struct stat st;

	assert_int_equal(n_held(lock, t0), 0); /* no directory yet: no key */
	r.uid = 1000;
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, NULL), 0);
	assert_int_equal(k.left_usec, 10 * MIN);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(tdx_inhibit_keys_list(lock, &t0, false, &keys, NULL), 0);
	assert_int_equal(keys.n_held, 1);
	assert_string_equal(keys.held[0].key, "libvirt:42");
	assert_string_equal(keys.held[0].who, "libvirt");
	assert_string_equal(keys.held[0].why, "TD build");
	assert_int_equal(keys.held[0].uid, 1000);
	assert_int_equal(keys.held[0].expires_usec, t0.boottime_usec + 10 * MIN);
	tdx_inhibit_keys_done(&keys);
	assert_int_equal(tdx_inhibit_key_release(lock, "libvirt:42", NULL), 1);
	assert_int_equal(tdx_inhibit_key_release(lock, "libvirt:42", NULL), 0); /* not an error */
	assert_int_equal(n_held(lock, t0), 0);
}

/* Holding again extends; it never shortens, and the newest who/why is kept. */
static void test_hold_twice_extends(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	struct tdx_inhibit_hold_req r = req("k", 10 * MIN);
	struct tdx_inhibit_now t5 = at(5 * MIN);
	struct tdx_inhibit_key k;

	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, NULL), 0);
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t5, &k, NULL), 0);
	assert_int_equal(k.expires_usec, t0.boottime_usec + 15 * MIN);
	r.ttl_usec = 1 * MIN;
	r.who = "second";
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t5, &k, NULL), 0);
	assert_int_equal(k.expires_usec, t0.boottime_usec + 15 * MIN);
	assert_int_equal(tdx_inhibit_key_get(lock, "k", &t5, &k, NULL), 0);
	assert_string_equal(k.who, "second");
	assert_int_equal(k.left_usec, 10 * MIN);
}

/* A lost release blocks updates at most MaxHoldSec. */
static void test_ttl_cut_to_max(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	struct tdx_inhibit_hold_req r = req("k", 24 * 60 * MIN);
	struct tdx_inhibit_key k;

	r.max_ttl_usec = 30 * MIN;
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, NULL), 0);
	assert_int_equal(k.left_usec, 30 * MIN);
}

static void test_expiry_and_sweep(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	_cleanup_free_ char *file = tdx_path_join(*state, "run/tdxctl/inhibit.d/old", NULL);
	struct tdx_inhibit_hold_req a = req("old", 1 * MIN), b = req("young", 10 * MIN);
	struct tdx_inhibit_keys keys = {0};
	struct tdx_inhibit_key k;

	assert_int_equal(tdx_inhibit_key_hold(lock, &a, &t0, &k, NULL), 0);
	assert_int_equal(tdx_inhibit_key_hold(lock, &b, &t0, &k, NULL), 0);
	assert_int_equal(n_held(lock, at(MIN - 1)), 2);
	/* expired: not held any more, but a plain listing (or an update's check) removes nothing */
	assert_int_equal(n_held(lock, at(MIN)), 1);
	assert_int_equal(tdx_inhibit_key_get(lock, "old", &t0, &k, NULL), 0);
	assert_int_equal(tdx_inhibit_keys_check(lock, &t0, NULL), -EBUSY);
	assert_int_equal(access(file, F_OK), 0);
	/* a sweep removes it and returns it, for the caller to log */
	struct tdx_inhibit_now t1 = at(2 * MIN);
	assert_int_equal(tdx_inhibit_keys_list(lock, &t1, true, &keys, NULL), 0);
	assert_int_equal(keys.n_held, 1);
	assert_string_equal(keys.held[0].key, "young");
	assert_int_equal(keys.n_expired, 1);
	assert_string_equal(keys.expired[0].key, "old");
	assert_string_equal(keys.expired[0].who, "libvirt");
	tdx_inhibit_keys_done(&keys);
	assert_int_equal(access(file, F_OK), -1);
	assert_int_equal(tdx_inhibit_key_get(lock, "old", &t1, &k, NULL), -ENOENT);
}

/* A key of an earlier boot (a /run that survived) is void, whatever its expiry says. */
static void test_other_boot_is_void(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	struct tdx_inhibit_hold_req r = req("k", 10 * MIN);
	struct tdx_inhibit_now other = t0;
	struct tdx_inhibit_key k;

	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, NULL), 0);
	snprintf(other.boot_id, sizeof(other.boot_id), "%s", BOOT_B);
	other.boottime_usec = 1; /* a fresh boot: the clock is back near zero */
	assert_int_equal(n_held(lock, other), 0);
	assert_int_equal(tdx_inhibit_keys_check(lock, &other, NULL), 0);
}

static void test_check_names_the_key(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	struct tdx_inhibit_hold_req a = req("libvirt:a", 10 * MIN), b = req("libvirt:b", MIN);
	struct tdx_diag d = {""};
	struct tdx_inhibit_key k;

	assert_int_equal(tdx_inhibit_keys_check(lock, &t0, &d), 0);
	assert_int_equal(tdx_inhibit_key_hold(lock, &a, &t0, &k, NULL), 0);
	assert_int_equal(tdx_inhibit_key_hold(lock, &b, &t0, &k, NULL), 0);
	assert_int_equal(tdx_inhibit_keys_check(lock, &t0, &d), -EBUSY);
	assert_string_equal(d.msg, "key libvirt:a held by libvirt for 10m 0s more (TD build), "
				   "and 1 more key");
}

/* Never granted while an update may still write: the hop is named, nothing is written. */
static void test_hold_refused_while_update_writes(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	struct tdx_inhibit_hold_req r = req("k", 10 * MIN);
	_cleanup_close_ int blk = -EBADF;
	struct tdx_diag d = {""};
	struct tdx_inhibit_key k;

	assert_int_equal(tdx_inhibit_block(lock, "1.5.06 -> 1.5.08, hop 1 of 1, pid 9", &blk), 0);
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, &d), -EBUSY);
	assert_non_null(strstr(d.msg, "1.5.06 -> 1.5.08, hop 1 of 1"));
	assert_int_equal(n_held(lock, t0), 0);
	blk = tdx_inhibit_unblock(blk);
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, &d), 0);
}

/* An unreadable key file is held with no known expiry: we never guess a TD build is over. */
static void test_malformed_file_is_held(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	_cleanup_free_ char *dir = tdx_path_join(*state, "run/tdxctl/inhibit.d", NULL);
	_cleanup_free_ char *file = tdx_path_join(*state, "run/tdxctl/inhibit.d/junk", NULL);
	_cleanup_free_ char *tmp = tdx_path_join(*state, "run/tdxctl/inhibit.d/.#k.abc", NULL);
	struct tdx_diag d = {""};

	assert_int_equal(tdx_mkdir_parents(dir), 0);
	assert_int_equal(tdx_file_write_atomic(file, "who=x\n", 6, 0644), 0);
	assert_int_equal(tdx_file_write_atomic(tmp, "half a wri", 10, 0644), 0);
	assert_int_equal(tdx_inhibit_keys_check(lock, &t0, &d), -EBUSY);
	assert_non_null(strstr(d.msg, "held key junk: "));
	assert_non_null(strstr(d.msg, "malformed"));
	assert_int_equal(n_held(lock, at(999 * MIN)), 1); /* the temp file is not a key */
	assert_int_equal(tdx_inhibit_key_release(lock, "junk", NULL), 1);
	assert_int_equal(tdx_inhibit_keys_check(lock, &t0, NULL), 0);
}

static void test_bad_requests(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	static const char *const bad_keys[] = {"", ".hidden", "a/b", "..", "a b", "x\n"};
	struct tdx_inhibit_hold_req r = req("k", 10 * MIN);
	struct tdx_diag d = {""};
	struct tdx_inhibit_key k;
	char longkey[TDX_INHIBIT_KEY_MAX + 2];

	for (size_t i = 0; i < ELEMENTSOF(bad_keys); i++) {
		r.key = bad_keys[i];
		assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, &d), -EINVAL);
		assert_int_equal(tdx_inhibit_key_release(lock, bad_keys[i], NULL), -EINVAL);
	}
	memset(longkey, 'a', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(tdx_inhibit_key_validate(longkey, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "129 bytes long, at most 128"));
	longkey[TDX_INHIBIT_KEY_MAX] = '\0';
	assert_int_equal(tdx_inhibit_key_validate(longkey, NULL), 0);
	r = req("k", 10 * MIN);
	r.who = "";
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, &d), -EINVAL);
	r.who = "a\nwhy=forged";
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "who has a control character at byte 1"));
	r = req("k", 0);
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, &d), -EINVAL);
	assert_int_equal(n_held(lock, t0), 0);
}

static void test_cap(void **state)
{
	_cleanup_free_ char *lock = lock_of(state);
	struct tdx_inhibit_hold_req r = req("k", 10 * MIN);
	struct tdx_diag d = {""};
	struct tdx_inhibit_key k;
	char key[32];

	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, NULL), 0);
	/* the others as plain files: a thousand fsynced holds would make the test slow */
	for (unsigned i = 1; i < TDX_INHIBIT_KEYS_MAX; i++) {
		snprintf(key, sizeof(key), "run/tdxctl/inhibit.d/k%u", i);
		assert_int_equal(fixture_write(*state, key, "junk"), 0);
	}
	r.key = "one-too-many";
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, &d), -EUSERS);
	assert_non_null(strstr(d.msg, "at most 1024"));
	r.key = "k"; /* extending a held key is not a new one */
	assert_int_equal(tdx_inhibit_key_hold(lock, &r, &t0, &k, NULL), 0);
}

static void test_parse(void **state)
{
	char text[] = "who=w\nwhy=\nuid=5\nboot_id=" BOOT_A "\nexpires_boottime_usec=77\nnew=1\n";
	char bad[] = "who=w\nboot_id=x\nexpires_boottime_usec=-1\n";
	struct tdx_inhibit_key k = {0};
	char boot[TDX_BOOT_ID_MAX];

	assert_int_equal(tdx_inhibit_key_parse(text, &k, boot), 0);
	assert_string_equal(k.who, "w");
	assert_int_equal(k.uid, 5);
	assert_int_equal(k.expires_usec, 77);
	assert_string_equal(boot, BOOT_A);
	assert_int_equal(tdx_inhibit_key_parse(bad, &k, boot), -EINVAL);
}

static void test_timespan(void **state)
{
	char b[TDX_TIMESPAN_MAX];

	assert_string_equal(tdx_format_timespan(1, b, sizeof(b)), "1s");
	assert_string_equal(tdx_format_timespan(599 * USEC_PER_SEC, b, sizeof(b)), "9m 59s");
	assert_string_equal(tdx_format_timespan(3600 * USEC_PER_SEC, b, sizeof(b)), "1h 0m");
}

static void test_real_now(void **state)
{
	struct tdx_inhibit_now a, b;

	assert_int_equal(tdx_inhibit_now(&a), 0);
	assert_int_equal(tdx_inhibit_now(&b), 0);
	assert_int_equal(strlen(a.boot_id), 32);
	assert_string_equal(a.boot_id, b.boot_id);
	assert_true(b.boottime_usec >= a.boottime_usec);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup_empty, fixture_teardown_empty)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hold_list_release),
		T(test_hold_twice_extends),
		T(test_ttl_cut_to_max),
		T(test_expiry_and_sweep),
		T(test_other_boot_is_void),
		T(test_check_names_the_key),
		T(test_hold_refused_while_update_writes),
		T(test_malformed_file_is_held),
		T(test_bad_requests),
		T(test_cap),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_timespan),
		cmocka_unit_test(test_real_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
