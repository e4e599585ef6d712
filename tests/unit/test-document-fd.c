// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sealed memfd documents (src/shared/document-fd.c): what tdxd sends as
 * GetList's reply reads back byte for byte, cannot be changed by a receiver,
 * and a receiver refuses an fd without the seals.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "document-fd.h"

static void test_round_trip(void **state)
{
	static const char text[] = "{\"candidates\":[]}";
	const void *data;
	size_t size;
	int fd;

	assert_int_equal(document_fd_new(text, strlen(text), &fd), 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(document_fd_map(fd, 1024, &data, &size), 0);
	assert_int_equal(size, strlen(text));
	assert_memory_equal(data, text, size);
	munmap((void *)data, size);
	/* Too big for the receiver's limit. */
	assert_int_equal(document_fd_map(fd, 4, &data, &size), -EFBIG);
	close(fd);
}

static void test_sealed_against_receivers(void **state)
{
	static const char text[] = "{\"a\":1}";
	int fd;

	assert_int_equal(document_fd_new(text, strlen(text), &fd), 0);
	assert_true(write(fd, "x", 1) < 0);
	assert_int_equal(errno, EPERM);
	assert_true(ftruncate(fd, 1) < 0);
	assert_true(ftruncate(fd, 4096) < 0);
	assert_true(mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	/* F_SEAL_SEAL: the seals cannot be changed either. */
	assert_true(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) < 0);
	close(fd);
}

static void test_unsealed_refused(void **state)
{
	const void *data = NULL;
	size_t size = 0;
	int fd, pipefd[2];

	fd = memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{}", 2), 2);
	assert_int_equal(document_fd_map(fd, 1024, &data, &size), -EPERM);
	/* Write-sealed but still able to shrink: a mapping could SIGBUS. */
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW), 0);
	assert_int_equal(document_fd_map(fd, 1024, &data, &size), -EPERM);
	close(fd);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	assert_int_equal(document_fd_map(pipefd[0], 1024, &data, &size), -EBADF);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_empty(void **state)
{
	const void *data = (const void *)1;
	size_t size = 1;
	int fd;

	assert_int_equal(document_fd_new("", 0, &fd), 0);
	assert_int_equal(document_fd_map(fd, 1024, &data, &size), 0);
	assert_null(data);
	assert_int_equal(size, 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sealed_against_receivers),
		cmocka_unit_test(test_unsealed_refused),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
