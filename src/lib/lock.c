// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One update at a time per host. tdxd and `tdxctl --direct` take the same
 * flock, so a CLI recovery run can never race a daemon job.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image.h"
#include "lock.h"
#include "macro.h"

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

int tdx_inhibit_path(const char *lock_path, char **ret)
{
	const char *slash;
	char *p;

	if (!lock_path)
		lock_path = tdx_lock_default_path();
	slash = strrchr(lock_path, '/');
	if (asprintf(&p, "%.*s%s", slash ? (int)(slash - lock_path + 1) : 0, lock_path,
		     TDX_INHIBIT_FILE) < 0)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int tdx_inhibit_hold(const char *lock_path, int *ret_fd)
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
	/* shared: any number of inhibitors; blocks only while an update probes */
	r = lock_take(fd, LOCK_SH);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int tdx_inhibit_probe(const char *lock_path)
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
	return r == -EWOULDBLOCK ? -EBUSY : r;
}
