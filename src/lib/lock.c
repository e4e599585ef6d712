// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One update at a time per host. tdxd and `tdxctl --direct` take the same
 * flock, so a CLI recovery run can never race a daemon job.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdx/diag.h>
#include <tdx/image.h>
#include <tdx/lock.h>
#include <tdx/macro.h>

const char *tdx_lock_default_path(void)
{
	const char *e = secure_getenv(TDX_LOCK_PATH_ENV);

	return e && *e ? e : TDX_LOCK_DEFAULT_PATH;
}

/* mkdir -p of the directory holding path. */
static int mkdir_parents_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return tdx_mkdir_parents(dir);
}

/* Creates (0600) and opens a lock file, its directory made first. */
static int lock_open(const char *path, int *ret_fd)
{
	int fd, r;

	r = mkdir_parents_of(path);
	if (r < 0)
		return r;
	/* O_NOFOLLOW: a symlink planted in /run must not redirect our create */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

static int lock_take(int fd, int op)
{
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int tdx_lock_acquire(const char *path, bool wait, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!path)
		path = tdx_lock_default_path();
	r = lock_open(path, &fd);
	if (r < 0)
		return r;
	r = lock_take(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
	if (r < 0)
		return r; /* EWOULDBLOCK: another update holds it */
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int tdx_lock_sibling_path(const char *lock_path, const char *name, char **ret)
{
	const char *slash;
	size_t dir_len;
	char *p;

	if (!lock_path)
		lock_path = tdx_lock_default_path();
	slash = strrchr(lock_path, '/');
	dir_len = slash ? (size_t)(slash - lock_path + 1) : 0;
	p = malloc(dir_len + strlen(name) + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, lock_path, dir_len);
	strcpy(p + dir_len, name);
	*ret = p;
	return 0;
}

int tdx_inhibit_path(const char *lock_path, char **ret)
{
	return tdx_lock_sibling_path(lock_path, TDX_INHIBIT_FILE, ret);
}

/* Reads what the update blocking inhibitors wrote into the inhibit file ("" if nothing). */
static void inhibit_blocker(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int tdx_inhibit_hold(const char *lock_path, int *ret_fd, struct tdx_diag *diag)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	char what[TDX_DIAG_MAX / 2];
	int r;

	r = tdx_inhibit_path(lock_path, &path);
	if (r < 0)
		return tdx_diag_set(diag, r, "inhibit file: %s", strerror(-r));
	r = lock_open(path, &fd);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot open the inhibit file %s: %s", path,
				    strerror(-r));
	/*
	 * Shared: any number of inhibitors. Never waits: an update holds the
	 * file exclusively from its last check until its hop is classified,
	 * and an inhibitor granted then would be a promise already broken.
	 */
	r = lock_take(fd, LOCK_SH | LOCK_NB);
	if (r == -EWOULDBLOCK) {
		inhibit_blocker(fd, what, sizeof(what));
		return tdx_diag_set(diag, -EBUSY,
				    "an update is writing the TDX module (%s); no inhibitor until "
				    "it is classified, retry then",
				    what[0] ? what : "no details");
	}
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot lock the inhibit file %s: %s", path,
				    strerror(-r));
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int tdx_inhibit_block(const char *lock_path, const char *what, int *ret_fd)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = tdx_inhibit_path(lock_path, &path);
	if (r < 0)
		return r;
	r = lock_open(path, &fd);
	if (r < 0)
		return r;
	r = lock_take(fd, LOCK_EX | LOCK_NB);
	if (r < 0)
		return r == -EWOULDBLOCK ? -EBUSY : r;
	/* for the refusal a would-be inhibitor gets; best effort, the lock is what counts */
	if (ftruncate(fd, 0) == 0 && what)
		(void)!pwrite(fd, what, strlen(what), 0);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int tdx_inhibit_unblock(int fd)
{
	if (fd >= 0)
		(void)!ftruncate(fd, 0);
	return safe_close(fd);
}
