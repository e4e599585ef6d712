// SPDX-License-Identifier: LGPL-2.1-or-later
/* [Inhibit] YoungTdSec=: no update while a TD may still be in its build (young-td.h). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <tdx/image.h>
#include <tdx/inhibit-keys.h>
#include <tdx/sysfs.h>
#include <tdx/young-td.h>

#define MISC_CURRENT_MAX 4096u

/* "<pid>-<fd>", as kvm_create_vm_debugfs() names a VM's directory. */
static bool is_vm_dir_name(const char *n)
{
	const char *dash = strchr(n, '-');

	if (!dash || dash == n || !dash[1])
		return false;
	return strspn(n, "0123456789") == (size_t)(dash - n) &&
	       strspn(dash + 1, "0123456789") == strlen(dash + 1);
}

static uint64_t mtime_usec(const struct stat *st)
{
	return (uint64_t)st->st_mtim.tv_sec * USEC_PER_SEC +
	       (uint64_t)st->st_mtim.tv_nsec / NSEC_PER_USEC;
}

static void vm_seen(struct tdx_kvm_vms *v, const char *name, uint64_t age, uint64_t young_usec)
{
	v->n_vms++;
	if (age < young_usec)
		v->n_young++;
	if (v->n_vms == 1 || age < v->youngest_age_usec) {
		v->youngest_age_usec = age;
		snprintf(v->youngest, sizeof(v->youngest), "%.*s", (int)sizeof(v->youngest) - 1,
			 name);
	}
}

static int scan_vm_dirs(const char *kvm_dir, uint64_t now_usec, uint64_t young_usec,
			struct tdx_kvm_vms *v)
{
	DIR *d = opendir(kvm_dir);
	struct dirent *de;
	struct stat st;

	if (!d)
		return errno == ENOENT ? 0 : negative_errno(); /* KVM not loaded: no VM */
	while ((de = readdir(d))) {
		if (!is_vm_dir_name(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		vm_seen(v, de->d_name, now_usec > mtime_usec(&st) ? now_usec - mtime_usec(&st) : 0,
			young_usec);
	}
	closedir(d);
	return 0;
}

/* debugfs mounted: its root lists something (an unmounted mount point is empty). */
static bool debugfs_mounted(const char *debug_dir)
{
	DIR *d = opendir(debug_dir);
	struct dirent *de;
	bool any = false;

	if (!d)
		return false;
	while (!any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return any;
}

int tdx_misc_current_tdx(char *text)
{
	char *line, *save = NULL;
	unsigned n;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "tdx ", 4) == 0 && tdx_parse_uint32(line + 4, &n) == 0)
			return n > INT32_MAX ? INT32_MAX : (int)n;
	return -1;
}

static int read_tdx_keys(const char *path)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;

	if (tdx_file_read_all(path, MISC_CURRENT_MAX, &data, &size, NULL) < 0)
		return -1;
	return tdx_misc_current_tdx((char *)data);
}

int tdx_kvm_vms_scan(const char *sysfs_root, uint64_t now_usec, uint64_t young_usec,
		     struct tdx_kvm_vms *ret, struct tdx_diag *diag)
{
	_cleanup_free_ char *debug = NULL, *kvm = NULL, *misc = NULL;
	struct tdx_kvm_vms v = {.tdx_keys = -1};
	int r;

	debug = tdx_path_join(sysfs_root, "kernel/debug", NULL);
	kvm = tdx_path_join(sysfs_root, "kernel/debug/kvm", NULL);
	misc = tdx_path_join(sysfs_root, "fs/cgroup/misc.current", NULL);
	if (!debug || !kvm || !misc)
		return tdx_diag_set(diag, -ENOMEM, "out of memory");
	v.tdx_keys = read_tdx_keys(misc);
	v.debugfs_seen = debugfs_mounted(debug);
	if (v.debugfs_seen) {
		r = scan_vm_dirs(kvm, now_usec, young_usec, &v);
		if (r < 0)
			return tdx_diag_set(diag, r, "cannot list %s: %s", kvm, strerror(-r));
	}
	*ret = v;
	return 0;
}

int tdx_young_td_check(const char *sysfs_root, uint64_t young_usec, struct tdx_diag *diag)
{
	char age[TDX_TIMESPAN_MAX], limit[TDX_TIMESPAN_MAX];
	struct tdx_kvm_vms v;
	struct timespec ts;
	int r;

	if (young_usec == 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts); /* debugfs stamps directories on this clock */
	r = tdx_kvm_vms_scan(sysfs_root,
			     (uint64_t)ts.tv_sec * USEC_PER_SEC +
				     (uint64_t)ts.tv_nsec / NSEC_PER_USEC,
			     young_usec, &v, diag);
	if (r < 0)
		return r;
	if (v.tdx_keys == 0)
		return 0; /* KVM says there is no TD at all */
	tdx_format_timespan(young_usec, limit, sizeof(limit));
	if (!v.debugfs_seen)
		return tdx_diag_set(diag, -EBUSY,
				    "YoungTdSec=: cannot see the KVM VMs' ages (debugfs is not "
				    "mounted at /sys/kernel/debug) and TDs may exist");
	if (v.n_young == 0)
		return 0;
	return tdx_diag_set(diag, -EBUSY,
			    "KVM VM %s is %s old, younger than YoungTdSec= (%s), and %s: it may "
			    "still be building its TD",
			    v.youngest, tdx_format_timespan(v.youngest_age_usec, age, sizeof(age)),
			    limit, v.tdx_keys > 0 ? "TDs exist" : "TDs may exist");
}
