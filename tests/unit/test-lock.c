// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include <tdx/diag.h>
#include <tdx/lock.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>

static void test_creates_dir_and_file(void **state)
{
	_cleanup_free_ char *path = tdx_path_join(*state, "run/tdxctl/update.lock", NULL);
	_cleanup_free_ char *dir = tdx_path_join(*state, "run/tdxctl", NULL);
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	umask(077); /* as in a hardened unit */
	assert_int_equal(tdx_lock_acquire(path, false, &fd), 0);
	umask(022);
	assert_true(fd >= 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

static void test_second_holder_would_block(void **state)
{
	_cleanup_free_ char *path = tdx_path_join(*state, "update.lock", NULL);
	_cleanup_close_ int fd = -EBADF, fd2 = -EBADF;
	int other = 77;

	assert_int_equal(tdx_lock_acquire(path, false, &fd), 0);
	/* a second open file description is a second holder, even in this process */
	assert_int_equal(tdx_lock_acquire(path, false, &other), -EWOULDBLOCK);
	assert_int_equal(other, 77);
	fd = safe_close(fd);
	assert_int_equal(tdx_lock_acquire(path, false, &fd2), 0);
}

static void test_inhibitors(void **state)
{
	_cleanup_free_ char *lock = tdx_path_join(*state, "run/tdxctl/update.lock", NULL);
	_cleanup_free_ char *inhibit = NULL;
	_cleanup_close_ int a = -EBADF, b = -EBADF, blk = -EBADF;

	assert_int_equal(tdx_inhibit_path(lock, &inhibit), 0);
	assert_string_equal(inhibit + strlen(*state), "/run/tdxctl/inhibit.lock");
	assert_int_equal(tdx_inhibit_block(lock, "x", &blk), 0);
	blk = tdx_inhibit_unblock(blk);
	/* inhibitors share: two holders at once, and an update's block sees either */
	assert_int_equal(tdx_inhibit_hold(lock, &a, NULL), 0);
	assert_int_equal(tdx_inhibit_hold(lock, &b, NULL), 0);
	assert_int_equal(tdx_inhibit_block(lock, "x", &blk), -EBUSY);
	a = safe_close(a);
	assert_int_equal(tdx_inhibit_block(lock, "x", &blk), -EBUSY);
	b = safe_close(b);
	assert_int_equal(tdx_inhibit_block(lock, "x", &blk), 0);
	blk = tdx_inhibit_unblock(blk);
	/* the update lock is a different file: inhibitors never block each other's updates check */
	assert_int_equal(tdx_lock_acquire(lock, false, &a), 0);
	assert_int_equal(tdx_inhibit_hold(lock, &b, NULL), 0);
}

/* While an update writes (it holds the block), an inhibitor is refused at once, naming the hop. */
static void test_inhibitor_refused_while_update_writes(void **state)
{
	_cleanup_free_ char *lock = tdx_path_join(*state, "run/tdxctl/update.lock", NULL);
	_cleanup_close_ int blk = -EBADF, a = -EBADF;
	struct tdx_diag d = {""};
	int untouched = 77;

	assert_int_equal(tdx_inhibit_block(lock, "1.5.06 -> 1.5.08, hop 1 of 1, pid 9", &blk), 0);
	assert_int_equal(tdx_inhibit_hold(lock, &untouched, &d), -EBUSY);
	assert_int_equal(untouched, 77);
	assert_non_null(strstr(d.msg, "an update is writing the TDX module (1.5.06 -> 1.5.08, hop "
				      "1 of 1, pid 9)"));
	blk = tdx_inhibit_unblock(blk);
	assert_int_equal(tdx_inhibit_hold(lock, &a, &d), 0);
}

static void test_wait_blocks_until_released(void **state)
{
	_cleanup_free_ char *path = tdx_path_join(*state, "update.lock", NULL);
	_cleanup_close_ int fd = -EBADF;
	int status;
	pid_t pid;

	assert_int_equal(tdx_lock_acquire(path, false, &fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int cfd;

		/* the inherited fd shares the parent's lock; only the parent's copy may hold it */
		safe_close(fd);
		/* blocks until the parent closes its fd */
		_exit(tdx_lock_acquire(path, true, &cfd) == 0 ? 0 : 1);
	}
	usleep(50 * 1000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still waiting */
	fd = safe_close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_refuses_symlink(void **state)
{
	_cleanup_free_ char *path = tdx_path_join(*state, "update.lock", NULL);
	_cleanup_free_ char *target = tdx_path_join(*state, "elsewhere", NULL);
	int fd = 77;

	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(tdx_lock_acquire(path, false, &fd), -ELOOP);
	assert_int_equal(fd, 77);
	assert_int_equal(access(target, F_OK), -1); /* nothing created through the link */
}

static void test_default_path(void **state)
{
	assert_int_equal(setenv(TDX_LOCK_PATH_ENV, "/tmp/x/update.lock", 1), 0);
	assert_string_equal(tdx_lock_default_path(), "/tmp/x/update.lock");
	assert_int_equal(unsetenv(TDX_LOCK_PATH_ENV), 0);
	assert_string_equal(tdx_lock_default_path(), TDX_LOCK_DEFAULT_PATH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_creates_dir_and_file, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_second_holder_would_block, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_inhibitor_refused_while_update_writes,
						fixture_setup_empty, fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_inhibitors, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_wait_blocks_until_released,
						fixture_setup_empty, fixture_teardown_empty),
		cmocka_unit_test_setup_teardown(test_refuses_symlink, fixture_setup_empty,
						fixture_teardown_empty),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
