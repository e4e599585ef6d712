// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One update at a time per host. tdxd and `tdxctl --direct` take the same
 * flock, so a CLI recovery run can never race a daemon job.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "lock.h"
#include "macro.h"

const char *tdx_lock_default_path(void)
{
	const char *e = secure_getenv(TDX_LOCK_PATH_ENV);

	return e && *e ? e : TDX_LOCK_DEFAULT_PATH;
}

/* mkdir 0755 whatever the umask (hardened units run with 0077); an existing one is kept. */
static int mkdir_0755(const char *dir)
{
	if (mkdir(dir, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	return chmod(dir, 0755) < 0 ? -errno : 0;
}

/* mkdir -p of the directory holding path. */
static int mkdir_parents(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int r;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		r = mkdir_0755(dir);
		if (r < 0)
			return r;
		*p = '/';
	}
	return mkdir_0755(dir);
}

int tdx_lock_acquire(const char *path, bool wait, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!path)
		path = tdx_lock_default_path();
	r = mkdir_parents(path);
	if (r < 0)
		return r;
	/* O_NOFOLLOW: a symlink planted in /run must not redirect our create */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0)
			break;
		if (errno == EINTR)
			continue;
		return -errno; /* EWOULDBLOCK: another update holds it */
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}
