// SPDX-License-Identifier: LGPL-2.1-or-later
/* The real struct tdx_fwupload_io: a fw_upload directory in sysfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tdx/fwupload.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>

static int fw_read_attr(void *ud, const char *attr, char *buf, size_t size)
{
	struct tdx_fwupload_sysfs *s = ud;
	_cleanup_free_ char *path = tdx_path_join(s->fwupload_dir, attr, NULL);

	if (!path)
		return -ENOMEM;
	return tdx_sysfs_read_buf(path, buf, size);
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
	if (r < 0)
		return r;
	*ret = tdx_fw_status_from_string(buf);
	return 0;
}
