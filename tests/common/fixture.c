// SPDX-License-Identifier: LGPL-2.1-or-later
/* sysfs fixture trees and the scripted fw_upload; see fixture.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fixture.h"
#include <tdx/macro.h>
#include <tdx/sysfs.h>

#define DEF(s, d) ((s) ? (s) : (d))

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Creates <root>/<rel> with value and mode, making parent directories. */
static int put(const char *root, const char *rel, const char *value, mode_t mode)
{
	_cleanup_free_ char *path = tdx_path_join(root, rel, NULL);
	_cleanup_close_ int fd = -EBADF;
	char *slash;
	size_t len = strlen(value);

	if (!path)
		return -ENOMEM;
	slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdir_p(path) < 0)
		return -errno;
	*slash = '/';
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		return -EIO;
	return 0;
}

int fixture_write(const char *root, const char *rel, const char *value)
{
	_cleanup_free_ char *path = tdx_path_join(root, rel, NULL);
	struct stat st;

	if (!path)
		return -ENOMEM;
	/* keep the mode of an existing attribute (0400 seamldr files stay 0400) */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return put(root, rel, value, st.st_mode & 07777);
	return put(root, rel, value, 0644);
}

int fixture_make_enxio(const char *root, const char *rel)
{
	_cleanup_free_ char *path = tdx_path_join(root, rel, NULL);
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (!path)
		return -ENOMEM;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	*strrchr(path, '/') = '\0';
	if (mkdir_p(path) < 0)
		return -errno;
	(void)unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* open(2) of a socket inode fails with ENXIO, as version does for a lost module */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

const char *fixture_remaining_rel(enum tdx_abi_layout layout)
{
	return layout == TDX_ABI_MAINLINE ? FIXTURE_HOST "/num_remaining_updates"
					  : FIXTURE_HOST "/seamldr/num_remaining_updates";
}

static const char *seamldr_version_rel(enum tdx_abi_layout layout)
{
	return layout == TDX_ABI_MAINLINE ? FIXTURE_HOST "/seamldr_version"
					  : FIXTURE_HOST "/seamldr/version";
}

static const char *fwupload_name(enum tdx_abi_layout layout)
{
	return layout == TDX_ABI_SEAMLDR_UPLOAD ? "seamldr_upload" : "tdx_module";
}

const char *fixture_fwupload_rel(enum tdx_abi_layout layout)
{
	return layout == TDX_ABI_SEAMLDR_UPLOAD ? FIXTURE_HOST "/firmware/seamldr_upload"
						: FIXTURE_HOST "/firmware/tdx_module";
}

static int put_fwupload(const char *root, const struct fixture_spec *spec)
{
	const char *dir = fixture_fwupload_rel(spec->layout);
	static const char *const attrs[][2] = {
		{"error", ""},		 {"loading", "0"}, {"data", ""},
		{"remaining_size", "0"}, {"cancel", ""},
	};
	char rel[256], target[256];
	_cleanup_free_ char *class_dir = NULL, *link = NULL;
	int r;

	snprintf(rel, sizeof(rel), "%s/status", dir);
	r = put(root, rel, DEF(spec->status, "idle"), 0444);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(attrs); i++) {
		snprintf(rel, sizeof(rel), "%s/%s", dir, attrs[i][0]);
		r = put(root, rel, attrs[i][1], 0644);
	}
	if (r < 0 || spec->device_path_only)
		return r;

	class_dir = tdx_path_join(root, "class/firmware", NULL);
	link = tdx_path_join(root, "class/firmware", fwupload_name(spec->layout), NULL);
	if (!class_dir || !link)
		return -ENOMEM;
	r = mkdir_p(class_dir);
	if (r < 0)
		return r;
	/* sysfs class entries are symlinks into the device tree */
	snprintf(target, sizeof(target), "../../%s", dir);
	return symlink(target, link) < 0 ? -errno : 0;
}

static int put_host(const char *root, const struct fixture_spec *spec)
{
	int r;

	if (spec->lost)
		r = fixture_make_enxio(root, FIXTURE_VERSION);
	else
		r = put(root, FIXTURE_VERSION, DEF(spec->version, "1.5.06"), 0444);
	if (r < 0 || spec->hidden)
		return r;
	/* 0400, as in the kernel: these reads call into the P-SEAMLDR */
	r = put(root, seamldr_version_rel(spec->layout), DEF(spec->seamldr_version, "1.5.02"),
		0400);
	if (r >= 0)
		r = put(root, fixture_remaining_rel(spec->layout), DEF(spec->remaining, "10"),
			0400);
	if (r < 0 || spec->no_fwupload)
		return r;
	return put_fwupload(root, spec);
}

int fixture_create(const struct fixture_spec *spec, char **ret_root)
{
	char tmpl[] = "/tmp/tdxfx-XXXXXX";
	int r;

	if (!mkdtemp(tmpl))
		return -errno;
	/* like /sys: traversable by everyone, so tests under a dropped uid reach the files */
	if (chmod(tmpl, 0755) < 0)
		return -errno;
	r = put(tmpl, FIXTURE_CPU_ONLINE, DEF(spec->cpu_online, "0-1"), 0444);
	if (r >= 0)
		r = put(tmpl, FIXTURE_CPU_PRESENT, DEF(spec->cpu_present, "0-1"), 0444);
	if (r >= 0 && spec->layout != TDX_ABI_UNKNOWN)
		r = put_host(tmpl, spec);
	if (r >= 0) {
		*ret_root = strdup(tmpl);
		r = *ret_root ? 0 : -ENOMEM;
	}
	if (r < 0)
		fixture_destroy(tmpl);
	return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

int fixture_setup_empty(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_UNKNOWN};
	char *root = NULL;

	if (fixture_create(&spec, &root) < 0)
		return -1;
	*state = root;
	return 0;
}

int fixture_teardown_empty(void **state)
{
	fixture_destroy(*state);
	free(*state);
	*state = NULL;
	return 0;
}

void fixture_destroy(const char *root)
{
	if (root)
		(void)nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- scripted fw_upload ---- */

/* Records "attr=value", or just the event when value is NULL. */
static void fake_log(struct fake_fw *f, const char *what, const char *value)
{
	if (f->n_log < FAKE_FW_MAX_LOG)
		snprintf(f->log[f->n_log++], sizeof(f->log[0]), "%s%s%s", what, value ? "=" : "",
			 value ? value : "");
}

static const char *fake_status(struct fake_fw *f)
{
	unsigned n = 0, i;

	if (!f->installing)
		return DEF(f->status_before, "idle");
	while (n < FAKE_FW_MAX_STATUS && f->status_after[n])
		n++;
	if (n == 0)
		return "idle";
	i = f->status_reads_after++;
	return f->status_after[i < n ? i : n - 1];
}

static int copy_out(const char *value, char *buf, size_t size)
{
	size_t len = strlen(value);

	if (len >= size)
		return -ENOBUFS;
	memcpy(buf, value, len + 1);
	return (int)len;
}

static int fake_read_attr(void *ud, const char *attr, char *buf, size_t size)
{
	struct fake_fw *f = ud;

	if (strcmp(attr, "status") == 0) {
		if (f->status_err)
			return f->status_err;
		if (f->installing && f->status_err_after)
			return f->status_err_after;
		return copy_out(fake_status(f), buf, size);
	}
	if (strcmp(attr, "error") == 0) {
		if (f->error_busy_reads > 0) {
			f->error_busy_reads--;
			return -EBUSY;
		}
		return copy_out(DEF(f->error, ""), buf, size);
	}
	return copy_out("0", buf, size);
}

static int fake_write_attr(void *ud, const char *attr, const char *value)
{
	struct fake_fw *f = ud;

	fake_log(f, attr, value);
	if (strcmp(attr, "loading") != 0)
		return 0;
	if (strcmp(value, "1") == 0)
		return f->loading1_err;
	if (strcmp(value, "0") == 0) {
		if (f->loading0_err)
			return f->loading0_err;
		f->installing = true;
		if (f->on_install)
			f->on_install(f, f->install_ud);
	}
	return 0;
}

static int fake_data_open(void *ud)
{
	struct fake_fw *f = ud;

	fake_log(f, "data-open", NULL);
	return f->open_err;
}

static ssize_t fake_data_write(void *ud, const void *buf, size_t len)
{
	struct fake_fw *f = ud;
	unsigned nth = ++f->data_writes;
	uint8_t *p;

	if (len > f->largest_write)
		f->largest_write = len;
	if (f->eintr_every && nth % f->eintr_every == 0)
		return -EINTR;
	if (f->fail_write_at && nth == f->fail_write_at)
		return -EIO;
	if (f->max_write && len > f->max_write)
		len = f->max_write;
	p = realloc(f->data, f->data_size + len);
	if (!p)
		return -ENOMEM;
	memcpy(p + f->data_size, buf, len);
	f->data = p;
	f->data_size += len;
	return (ssize_t)len;
}

static void fake_data_close(void *ud)
{
	fake_log(ud, "data-close", NULL);
}

static int fake_read_version(void *ud, struct tdx_version *ret)
{
	struct fake_fw *f = ud;

	if (f->version_path)
		return tdx_sysfs_read_version(f->version_path, ret);
	if (f->version_err)
		return f->version_err;
	*ret = f->version;
	return 0;
}

static void fake_sleep_usec(void *ud, uint64_t usec)
{
	struct fake_fw *f = ud;

	if (f->sleeps++ == 0)
		f->first_sleep = usec;
	if (usec > f->max_sleep)
		f->max_sleep = usec;
	f->now += usec;
}

static uint64_t fake_now_usec(void *ud)
{
	return ((struct fake_fw *)ud)->now;
}

const struct tdx_fwupload_io fake_fw_io = {
	.read_attr = fake_read_attr,
	.write_attr = fake_write_attr,
	.data_open = fake_data_open,
	.data_write = fake_data_write,
	.data_close = fake_data_close,
	.read_version = fake_read_version,
	.sleep_usec = fake_sleep_usec,
	.now_usec = fake_now_usec,
};

void fake_fw_done(struct fake_fw *f)
{
	free(f->data);
	f->data = NULL;
	f->data_size = 0;
}

int fake_fw_log_find(const struct fake_fw *f, const char *s)
{
	for (unsigned i = 0; i < f->n_log; i++)
		if (strcmp(f->log[i], s) == 0)
			return (int)i;
	return -1;
}

bool fake_fw_touched(const struct fake_fw *f)
{
	for (unsigned i = 0; i < f->n_log; i++)
		if (strncmp(f->log[i], "loading=", 8) == 0 || strncmp(f->log[i], "data", 4) == 0)
			return true;
	return f->data_writes > 0;
}
