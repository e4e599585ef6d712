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

/* The kernel's modes (research: kernel-abi.md 1.2, 3.3). */
#define MODE_RO	     0444 /* DEVICE_ATTR_RO: version, cpu lists, fw_upload status */
#define MODE_SEAMLDR 0400 /* the P-SEAMLDR attributes: each read is a SEAMCALL */

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

/*
 * Creates or replaces <root>/<rel> with value and mode, making parent
 * directories. Atomic (a new file renamed over the old one), so a reader in
 * another process sees the old or the new value, never an empty file.
 */
static int put(const char *root, const char *rel, const char *value, mode_t mode)
{
	_cleanup_free_ char *path = tdx_path_join(root, rel, NULL), *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(value);
	char *slash;
	int r;

	if (!path || asprintf(&tmp, "%s.fixture-tmp", path) < 0)
		return -ENOMEM;
	slash = strrchr(path, '/');
	*slash = '\0';
	r = mkdir_p(path);
	if (r < 0)
		return r;
	*slash = '/';
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* the mode exactly, whatever the umask */
	if (fchmod(fd, mode) < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		return -EIO;
	if (rename(tmp, path) < 0) {
		r = -errno;
		(void)unlink(tmp);
		return r;
	}
	return 0;
}

/* An attribute as the kernel shows it: sysfs_emit()'s "%s\n". */
static int put_attr(const char *root, const char *rel, const char *value, mode_t mode)
{
	_cleanup_free_ char *line = NULL;

	if (asprintf(&line, "%s\n", value) < 0)
		return -ENOMEM;
	return put(root, rel, line, mode);
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

const char *fixture_seamldr_version_rel(enum tdx_abi_layout layout)
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

/*
 * The fw_upload class device as drivers/base/firmware_loader/sysfs_upload.c
 * shows it: status, error and remaining_size 0444 (DEVICE_ATTR_RO), cancel
 * 0200 (DEVICE_ATTR_WO), loading and data 0644; error is empty until an
 * upload fails, loading reads "0" when no load is open.
 */
static int put_fwupload(const char *root, const struct fixture_spec *spec)
{
	const char *dir = fixture_fwupload_rel(spec->layout);
	static const struct {
		const char *name, *value;
		mode_t mode;
		bool line;
	} attrs[] = {
		{"error", "", 0444, false},  {"loading", "0", 0644, true},
		{"data", "", 0644, false},   {"remaining_size", "0", 0444, true},
		{"cancel", "", 0200, false},
	};
	char rel[256], target[256];
	_cleanup_free_ char *class_dir = NULL, *link = NULL;
	int r;

	snprintf(rel, sizeof(rel), "%s/status", dir);
	r = put_attr(root, rel, DEF(spec->status, "idle"), MODE_RO);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(attrs); i++) {
		snprintf(rel, sizeof(rel), "%s/%s", dir, attrs[i].name);
		r = (attrs[i].line ? put_attr : put)(root, rel, attrs[i].value, attrs[i].mode);
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
	(void)unlink(link);
	return symlink(target, link) < 0 ? -errno : 0;
}

/*
 * tdx_host as drivers/virt/coco/tdx-host/tdx-host.c shows it: version 0444;
 * the P-SEAMLDR attributes 0400 ("admin-only readable as reading these
 * attributes calls into P-SEAMLDR").
 */
static int put_host(const char *root, const struct fixture_spec *spec)
{
	int r;

	if (spec->lost)
		r = fixture_make_enxio(root, FIXTURE_VERSION);
	else
		r = put_attr(root, FIXTURE_VERSION, DEF(spec->version, "1.5.06"), MODE_RO);
	if (r < 0 || spec->hidden)
		return r;
	r = put_attr(root, fixture_seamldr_version_rel(spec->layout),
		     DEF(spec->seamldr_version, "1.5.02"), MODE_SEAMLDR);
	if (r >= 0)
		r = put_attr(root, fixture_remaining_rel(spec->layout), DEF(spec->remaining, "10"),
			     MODE_SEAMLDR);
	if (r < 0 || spec->no_fwupload)
		return r;
	return put_fwupload(root, spec);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

enum tdx_abi_layout fixture_layout(const char *root)
{
	static const enum tdx_abi_layout probe[] = {TDX_ABI_SEAMLDR_UPLOAD, TDX_ABI_SEAMLDR_DIR};

	for (size_t i = 0; i < ELEMENTSOF(probe); i++) {
		const char *rel = probe[i] == TDX_ABI_SEAMLDR_DIR ? FIXTURE_HOST "/seamldr"
								  : fixture_fwupload_rel(probe[i]);
		_cleanup_free_ char *path = tdx_path_join(root, rel, NULL);

		if (path && access(path, F_OK) == 0)
			return probe[i];
	}
	return TDX_ABI_MAINLINE;
}

/* What the kernel hides when runtime update is unsupported: the P-SEAMLDR files, fw_upload. */
static int hide_update(const char *root, enum tdx_abi_layout layout)
{
	const char *rels[] = {fixture_seamldr_version_rel(layout), fixture_remaining_rel(layout),
			      fixture_fwupload_rel(layout)};
	_cleanup_free_ char *link =
		tdx_path_join(root, "class/firmware", fwupload_name(layout), NULL);

	if (!link)
		return -ENOMEM;
	(void)unlink(link);
	for (size_t i = 0; i < ELEMENTSOF(rels); i++) {
		_cleanup_free_ char *path = tdx_path_join(root, rels[i], NULL);

		if (!path)
			return -ENOMEM;
		(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	return 0;
}

int fixture_set(const char *root, const struct fixture_spec *spec)
{
	enum tdx_abi_layout layout = fixture_layout(root);
	const struct {
		const char *value, *rel;
		mode_t mode;
	} attrs[] = {
		{spec->version, FIXTURE_VERSION, MODE_RO},
		{spec->seamldr_version, fixture_seamldr_version_rel(layout), MODE_SEAMLDR},
		{spec->remaining, fixture_remaining_rel(layout), MODE_SEAMLDR},
		{spec->cpu_online, FIXTURE_CPU_ONLINE, MODE_RO},
		{spec->cpu_present, FIXTURE_CPU_PRESENT, MODE_RO},
	};
	char status_rel[256];
	int r = 0;

	if (spec->layout != TDX_ABI_UNKNOWN || spec->no_fwupload || spec->device_path_only)
		return -EINVAL; /* the shape of a tree is fixed when it is made */
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(attrs); i++)
		if (attrs[i].value)
			r = put_attr(root, attrs[i].rel, attrs[i].value, attrs[i].mode);
	if (r >= 0 && spec->status) {
		snprintf(status_rel, sizeof(status_rel), "%s/status", fixture_fwupload_rel(layout));
		r = put_attr(root, status_rel, spec->status, MODE_RO);
	}
	if (r >= 0 && spec->lost)
		r = fixture_make_enxio(root, FIXTURE_VERSION);
	if (r >= 0 && spec->hidden)
		r = hide_update(root, layout);
	return r;
}

int fixture_create_at(const char *root, const struct fixture_spec *spec)
{
	int r;

	r = mkdir_p(root);
	if (r < 0)
		return r;
	/* like /sys: traversable by everyone, so tests under a dropped uid reach the files */
	if (chmod(root, 0755) < 0)
		return -errno;
	r = put_attr(root, FIXTURE_CPU_ONLINE, DEF(spec->cpu_online, "0-1"), MODE_RO);
	if (r >= 0)
		r = put_attr(root, FIXTURE_CPU_PRESENT, DEF(spec->cpu_present, "0-1"), MODE_RO);
	if (r >= 0 && spec->layout != TDX_ABI_UNKNOWN)
		r = put_host(root, spec);
	return r;
}

int fixture_create(const struct fixture_spec *spec, char **ret_root)
{
	char tmpl[] = "/tmp/tdxfx-XXXXXX";
	char *root = NULL;
	int r;

	if (!mkdtemp(tmpl))
		return -errno;
	r = fixture_create_at(tmpl, spec);
	if (r >= 0) {
		root = strdup(tmpl);
		r = root ? 0 : -ENOMEM;
	}
	if (r < 0) {
		fixture_destroy(tmpl);
		return r;
	}
	*ret_root = root;
	return 0;
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
