// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * [Inhibit] YoungTdSec= (young-td.h) on fixture trees shaped like what KVM
 * shows: <root>/kernel/debug/kvm/<pid>-<fd> per VM (debugfs stamps it when
 * KVM_CREATE_VM runs; kvm_create_vm_debugfs() in virt/kvm/kvm_main.c) and the
 * root misc cgroup's misc.current with a "tdx N" line (KVM charges
 * MISC_CG_RES_TDX per TD from KVM_TDX_INIT_VM: arch/x86/kvm/vmx/tdx.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture.h"
#include <tdx/image.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>
#include <tdx/young-td.h>

#define MIN (60 * USEC_PER_SEC)

/* A VM directory created age_sec ago. */
static void vm_dir(const char *root, const char *name, unsigned age_sec)
{
	_cleanup_free_ char *dir = tdx_path_join(root, "kernel/debug/kvm", name, NULL);
	struct timespec t[2];

	assert_int_equal(tdx_mkdir_parents(dir), 0);
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= age_sec;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, dir, t, 0), 0);
}

static void debugfs_without_kvm(const char *root)
{
	assert_int_equal(fixture_write(root, "kernel/debug/tracing", ""), 0);
}

static void misc_current(const char *root, const char *text)
{
	_cleanup_free_ char *dir = tdx_path_join(root, "fs/cgroup", NULL);

	assert_int_equal(tdx_mkdir_parents(dir), 0);
	assert_int_equal(fixture_write(root, "fs/cgroup/misc.current", text), 0);
}

static void test_off(void **state)
{
	vm_dir(*state, "100-12", 1);
	assert_int_equal(tdx_young_td_check(*state, 0, NULL), 0);
}

static void test_young_vm_refuses(void **state)
{
	struct tdx_diag d = {""};

	vm_dir(*state, "100-12", 600);
	vm_dir(*state, "4242-17", 5);
	assert_int_equal(tdx_young_td_check(*state, MIN, &d), -EBUSY);
	assert_non_null(strstr(d.msg, "KVM VM 4242-17 is "));
	assert_non_null(strstr(d.msg, "younger than YoungTdSec= (1m 0s), and TDs may exist"));
	misc_current(*state, "sev 0\ntdx 2\n");
	assert_int_equal(tdx_young_td_check(*state, MIN, &d), -EBUSY);
	assert_non_null(strstr(d.msg, "and TDs exist"));
}

static void test_old_vms_pass(void **state)
{
	struct tdx_kvm_vms v;
	struct timespec now;

	vm_dir(*state, "100-12", 600);
	vm_dir(*state, "200-9", 120);
	assert_int_equal(tdx_young_td_check(*state, MIN, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	assert_int_equal(
		tdx_kvm_vms_scan(*state, (uint64_t)now.tv_sec * USEC_PER_SEC, MIN, &v, NULL), 0);
	assert_true(v.debugfs_seen);
	assert_int_equal(v.n_vms, 2);
	assert_int_equal(v.n_young, 0);
	assert_string_equal(v.youngest, "200-9");
	assert_int_equal(v.tdx_keys, -1);
}

/* KVM says there is no TD: a young VM is an ordinary VM. */
static void test_no_td_passes(void **state)
{
	vm_dir(*state, "100-12", 1);
	misc_current(*state, "tdx 0\n");
	assert_int_equal(tdx_young_td_check(*state, MIN, NULL), 0);
}

/* Debugfs mounted but KVM not loaded: no VM at all. */
static void test_no_kvm_passes(void **state)
{
	debugfs_without_kvm(*state);
	assert_int_equal(tdx_young_td_check(*state, MIN, NULL), 0);
}

/* A policy that cannot look refuses, unless KVM says there is no TD. */
static void test_blind_refuses(void **state)
{
	struct tdx_diag d = {""};

	assert_int_equal(tdx_young_td_check(*state, MIN, &d), -EBUSY);
	assert_non_null(strstr(d.msg, "debugfs is not mounted"));
	misc_current(*state, "tdx 0\n");
	assert_int_equal(tdx_young_td_check(*state, MIN, NULL), 0);
}

static void test_not_vm_dirs_ignored(void **state)
{
	static const char *const names[] = {"vm-1", "12-", "-3", "1-2-3", "12a-4"};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		vm_dir(*state, names[i], 1);
	assert_int_equal(fixture_write(*state, "kernel/debug/kvm/7-8", "a file"), 0);
	assert_int_equal(tdx_young_td_check(*state, MIN, NULL), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup_empty, fixture_teardown_empty)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_off),
		T(test_young_vm_refuses),
		T(test_old_vms_pass),
		T(test_no_td_passes),
		T(test_no_kvm_passes),
		T(test_blind_refuses),
		T(test_not_vm_dirs_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
