// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whole-file reads with a size cap and atomic replacement of files. Reads
 * never trust st_size alone: sysfs and procfs report 4096 or 0, and a file
 * may grow between fstat() and read().
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdx/diag.h>
#include "fileio-internal.h"
#include <tdx/image.h>
#include <tdx/macro.h>

#define READ_CHUNK (64u * 1024)

static int read_loop(int fd, size_t max_size, size_t hint, uint8_t **ret_data, size_t *ret_size)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t size = 0, alloc = 0;

	for (;;) {
		ssize_t n;

		if (size == alloc) {
			size_t want = alloc == 0 ? (hint > 0 ? hint + 1 : READ_CHUNK)
						 : alloc + alloc / 2 + READ_CHUNK;
			uint8_t *p;

			/* One byte past the cap tells "exactly max" from "too big". */
			if (want > max_size + 1)
				want = max_size + 1;
			if (want <= alloc)
				return -EFBIG;
			/* +1 keeps room for a terminating NUL for text callers. */
			p = realloc(buf, want + 1);
			if (!p)
				return -ENOMEM;
			buf = p;
			alloc = want;
		}
		n = read(fd, buf + size, alloc - size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size > max_size)
			return -EFBIG;
	}
	buf[size] = '\0';
	*ret_data = TAKE_PTR(buf);
	*ret_size = size;
	return 0;
}

static const char *file_type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

int tdx_file_open_regular(const char *path, struct stat *ret_st, struct tdx_diag *diag)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	/*
	 * O_NONBLOCK: opening a FIFO for reading must not wait for a writer
	 * (a FIFO planted in the store would hang every reader, tdxd's bus
	 * loop included). Only regular files are returned.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = negative_errno();
		return tdx_diag_set(diag, r, "cannot open: %s", tdx_errno_text(-r));
	}
	if (fstat(fd, ret_st) < 0) {
		r = negative_errno();
		return tdx_diag_set(diag, r, "cannot stat: %s", tdx_errno_text(-r));
	}
	if (!S_ISREG(ret_st->st_mode))
		return tdx_diag_set(diag, S_ISDIR(ret_st->st_mode) ? -EISDIR : -EINVAL,
				    "is %s, not a regular file", file_type_name(ret_st->st_mode));
	return TAKE_FD(fd);
}

int tdx_file_open_stat(const char *path, struct stat *ret_st, struct tdx_diag *diag)
{
	_cleanup_close_ int fd = tdx_file_open_regular(path, ret_st, diag);
	int r;

	if (fd < 0)
		return fd;
	/* Blocking again for callers that read() sysfs attributes and files alike. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		r = negative_errno();
		return tdx_diag_set(diag, r, "cannot clear O_NONBLOCK: %s", tdx_errno_text(-r));
	}
	return TAKE_FD(fd);
}

static int read_all_diag(int fd, size_t max_size, size_t hint, uint8_t **ret_data, size_t *ret_size,
			 struct tdx_diag *diag)
{
	int r = read_loop(fd, max_size, hint < max_size ? hint : max_size, ret_data, ret_size);

	if (r == -EFBIG)
		return tdx_diag_set(diag, r, "file is larger than the %zu-byte limit", max_size);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot read: %s", tdx_errno_text(-r));
	return 0;
}

int tdx_file_read_all_fd(int fd, size_t max_size, size_t hint, uint8_t **ret_data, size_t *ret_size,
			 struct tdx_diag *diag)
{
	int r;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		r = negative_errno();
		return tdx_diag_set(diag, r, "cannot seek: %s", tdx_errno_text(-r));
	}
	return read_all_diag(fd, max_size, hint, ret_data, ret_size, diag);
}

int tdx_file_read_all(const char *path, size_t max_size, uint8_t **ret_data, size_t *ret_size,
		      struct tdx_diag *diag)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = tdx_file_open_stat(path, &st, diag);
	if (fd < 0)
		return fd;
	/*
	 * st_size is only a hint: sysfs says 4096 for a 6-byte attribute, so the
	 * cap applies to what read() returns, not to what fstat() claims.
	 */
	return read_all_diag(fd, max_size, (size_t)st.st_size, ret_data, ret_size, diag);
}

int tdx_file_write_full(int fd, const void *data, size_t size)
{
	const uint8_t *p = data;

	while (size > 0) {
		ssize_t n = write(fd, p, size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

static int fsync_directory_of(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int dfd = -EBADF;

	if (!copy)
		return -ENOMEM;
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	if (fsync(dfd) < 0)
		return negative_errno();
	return 0;
}

/* Fills the temp file; on any failure the caller unlinks it. */
static int write_temp(int fd, const void *data, size_t size, int mode)
{
	int r;

	if (fchmod(fd, (mode_t)mode) < 0)
		return negative_errno();
	r = tdx_file_write_full(fd, data, size);
	if (r < 0)
		return r;
	if (fsync(fd) < 0)
		return negative_errno();
	return 0;
}

int tdx_file_write_atomic(const char *path, const void *data, size_t size, int mode)
{
	_cleanup_free_ char *copy = NULL, *tmp = NULL;
	const char *slash = strrchr(path, '/');
	_cleanup_close_ int fd = -EBADF;
	int r;

	/* The temp file lives next to the target so rename() stays atomic. */
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	if (asprintf(&tmp, "%s/.#%s.XXXXXX", dirname(copy), slash ? slash + 1 : path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = write_temp(fd, data, size, mode);
	if (r >= 0 && close(TAKE_FD(fd)) < 0)
		r = negative_errno();
	if (r >= 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_directory_of(path);
}

/* mkdir 0755 whatever the umask (hardened units run with 0077); an existing one is kept. */
static int mkdir_0755(const char *dir)
{
	if (mkdir(dir, 0755) < 0)
		return errno == EEXIST ? 0 : negative_errno();
	return chmod(dir, 0755) < 0 ? negative_errno() : 0;
}

int tdx_mkdir_parents(const char *dir)
{
	char buf[PATH_MAX];
	int r;

	if (strlen(dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		r = mkdir_0755(buf);
		if (r < 0)
			return r;
		*p = '/';
	}
	return mkdir_0755(buf);
}

int tdx_file_replace_via(const char *dir, const char *name, const char *tmp_name, const void *data,
			 size_t size, int mode)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	int r;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	fd = openat(dfd, tmp_name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    (mode_t)mode);
	if (fd < 0)
		return negative_errno();
	r = write_temp(fd, data, size, mode);
	if (r >= 0 && close(TAKE_FD(fd)) < 0)
		r = negative_errno();
	if (r >= 0 && renameat(dfd, tmp_name, dfd, name) < 0)
		r = negative_errno();
	if (r < 0) {
		(void)unlinkat(dfd, tmp_name, 0);
		return r;
	}
	return fsync(dfd) < 0 ? negative_errno() : 0;
}
