// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Rooted sysfs attribute I/O. Every error is passed through as -errno
 * unchanged: callers tell a lost module (ENXIO), a non-root caller (EACCES)
 * and a busy fw_upload (EBUSY) apart by it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tdx/macro.h>
#include "parse-util.h"
#include <tdx/sysfs.h>
#include <tdx/version.h>

const char *tdx_sysfs_default_root(void)
{
	const char *e = secure_getenv(TDX_SYSFS_ROOT_ENV);

	return e && *e ? e : "/sys";
}

/* first and the NULL-terminated rest, joined; with one_slash, one '/' between each. */
static char *join_va(bool one_slash, const char *first, va_list ap)
{
	size_t len = strlen(first) + 1;
	const char *p;
	char *s, *q;
	va_list count;

	va_copy(count, ap);
	while ((p = va_arg(count, const char *)))
		len += strlen(p) + one_slash;
	va_end(count);

	s = malloc(len);
	if (!s)
		return NULL;
	q = stpcpy(s, first);
	while ((p = va_arg(ap, const char *))) {
		if (one_slash) {
			/* exactly one '/' between components, whatever the caller passed */
			while (q > s && q[-1] == '/')
				q--;
			while (*p == '/')
				p++;
			*q++ = '/';
		}
		q = stpcpy(q, p);
	}
	return s;
}

char *tdx_path_join(const char *first, ...)
{
	va_list ap;
	char *s;

	va_start(ap, first);
	s = join_va(true, first, ap);
	va_end(ap);
	return s;
}

char *tdx_strjoin(const char *first, ...)
{
	va_list ap;
	char *s;

	va_start(ap, first);
	s = join_va(false, first, ap);
	va_end(ap);
	return s;
}

/* Reads at most TDX_SYSFS_ATTR_MAX bytes into buf (which holds one more for the NUL). */
static int read_capped(const char *path, char buf[static TDX_SYSFS_ATTR_MAX + 1])
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	size_t len = 0;

	/* attributes are regular files; a FIFO in a fixture or a bad root must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	while (len < TDX_SYSFS_ATTR_MAX) {
		ssize_t n = read(fd, buf + len, TDX_SYSFS_ATTR_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return (int)len;
}

int tdx_sysfs_read(const char *path, char **ret)
{
	char buf[TDX_SYSFS_ATTR_MAX + 1];
	char *s;
	int r;

	r = read_capped(path, buf);
	if (r < 0)
		return r;
	s = strdup(buf);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int tdx_sysfs_read_buf(const char *path, char *buf, size_t size)
{
	char tmp[TDX_SYSFS_ATTR_MAX + 1];
	int r;

	r = read_capped(path, tmp);
	if (r < 0)
		return r;
	if ((size_t)r >= size)
		return -ENOBUFS;
	memcpy(buf, tmp, (size_t)r + 1);
	return r;
}

int tdx_sysfs_write(const char *path, const char *value)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(value), done = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, value + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

int tdx_sysfs_read_version(const char *path, struct tdx_version *ret)
{
	_cleanup_free_ char *s = NULL;
	struct tdx_version v;
	int r;

	r = tdx_sysfs_read(path, &s);
	if (r < 0)
		return r;
	if (tdx_version_parse(s, &v) < 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

int tdx_parse_uint32(const char *s, unsigned *ret)
{
	const char *p = s;
	uint32_t v;

	if (!s || parse_decimal_field(&p, UINT32_MAX, &v) < 0 || !at_attribute_end(p))
		return -EINVAL;
	*ret = v;
	return 0;
}

int tdx_cpu_list_count(const char *s, unsigned *ret)
{
	const char *p = s;
	unsigned total = 0;
	int64_t prev_end = -1;

	if (*p == '\n')
		p++;
	while (*p) {
		uint32_t a, b;

		/* the kernel prints ranges ascending and disjoint; anything else is junk */
		if (parse_decimal_field(&p, TDX_CPU_LIST_MAX - 1, &a) < 0 || (int64_t)a <= prev_end)
			return -EINVAL;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_decimal_field(&p, TDX_CPU_LIST_MAX - 1, &b) < 0 || b < a)
				return -EINVAL;
		}
		total += b - a + 1;
		prev_end = b;
		if (*p == ',' && p[1] != '\0' && p[1] != '\n')
			p++;
		else if (*p == '\n' && p[1] == '\0')
			p++;
		else if (*p != '\0')
			return -EINVAL;
	}
	*ret = total;
	return 0;
}
