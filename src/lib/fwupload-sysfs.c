// SPDX-License-Identifier: LGPL-2.1-or-later
/* The real struct tdx_fwupload_io: a fw_upload directory in sysfs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <tdx/fwupload.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>

/*
 * status is read every millisecond or two while an install runs, so on sysfs
 * the file stays open and each look is one pread from offset 0 (kernfs
 * regenerates the text for a read from the start) instead of an open, an
 * fstat, two reads and a close. Anything else (a test fixture, whose files
 * are replaced by rename) is opened afresh for every read.
 */
static int status_keep_open(struct tdx_fwupload_sysfs *s, const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct statfs sfs;

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	if (sfs.f_type != SYSFS_MAGIC)
		return 0;
	s->status_fd = TAKE_FD(fd);
	s->status_open = true;
	return 1;
}

static int status_pread(const struct tdx_fwupload_sysfs *s, char *buf, size_t size)
{
	ssize_t n;

	do
		n = pread(s->status_fd, buf, size, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENOBUFS;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return (int)n;
}

static int fw_read_attr(void *ud, const char *attr, char *buf, size_t size)
{
	struct tdx_fwupload_sysfs *s = ud;
	bool status = strcmp(attr, "status") == 0;
	_cleanup_free_ char *path = NULL;

	if (status && s->status_open)
		return status_pread(s, buf, size);
	path = tdx_path_join(s->fwupload_dir, attr, NULL);
	if (!path)
		return -ENOMEM;
	if (status && status_keep_open(s, path) > 0)
		return status_pread(s, buf, size);
	return tdx_sysfs_read_buf(path, buf, size);
}

void tdx_fwupload_sysfs_done(struct tdx_fwupload_sysfs *s)
{
	if (s->status_open)
		s->status_fd = safe_close(s->status_fd);
	s->status_open = false;
}

static int fw_write_attr(void *ud, const char *attr, const char *value)
{
	struct tdx_fwupload_sysfs *s = ud;
	_cleanup_free_ char *path = tdx_path_join(s->fwupload_dir, attr, NULL);

	if (!path)
		return -ENOMEM;
	return tdx_sysfs_write(path, value);
}

static int fw_data_open(void *ud)
{
	struct tdx_fwupload_sysfs *s = ud;
	_cleanup_free_ char *path = tdx_path_join(s->fwupload_dir, "data", NULL);

	if (!path)
		return -ENOMEM;
	s->data_fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	return s->data_fd < 0 ? -errno : 0;
}

static ssize_t fw_data_write(void *ud, const void *buf, size_t len)
{
	struct tdx_fwupload_sysfs *s = ud;
	ssize_t n = write(s->data_fd, buf, len);

	return n < 0 ? -errno : n;
}

static void fw_data_close(void *ud)
{
	struct tdx_fwupload_sysfs *s = ud;

	s->data_fd = safe_close(s->data_fd);
}

static int fw_read_version(void *ud, struct tdx_version *ret)
{
	struct tdx_fwupload_sysfs *s = ud;

	return tdx_sysfs_read_version(s->version_path, ret);
}

static void fw_sleep_usec(void *ud, uint64_t usec)
{
	struct timespec ts = {
		.tv_sec = (time_t)(usec / USEC_PER_SEC),
		.tv_nsec = (long)(usec % USEC_PER_SEC * NSEC_PER_USEC),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t fw_now_usec(void *ud)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

const struct tdx_fwupload_io tdx_fwupload_io_sysfs = {
	.read_attr = fw_read_attr,
	.write_attr = fw_write_attr,
	.data_open = fw_data_open,
	.data_write = fw_data_write,
	.data_close = fw_data_close,
	.read_version = fw_read_version,
	.sleep_usec = fw_sleep_usec,
	.now_usec = fw_now_usec,
};

int tdx_fwupload_read_status(const char *fwupload_dir, enum tdx_fw_status *ret)
{
	struct tdx_fwupload_sysfs s = {.fwupload_dir = fwupload_dir, .data_fd = -EBADF};
	char buf[64];
	int r;

	r = fw_read_attr(&s, "status", buf, sizeof(buf));
	tdx_fwupload_sysfs_done(&s);
	if (r < 0)
		return r;
	*ret = tdx_fw_status_from_string(buf);
	return 0;
}
