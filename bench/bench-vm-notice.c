// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs inside the VM benchmark guest: installs IMAGE RUNS times through the
 * library's fw_upload engine (tdx_fwupload_stream over the real sysfs I/O)
 * and prints, per run, how long after the kernel finished (tdx_host_sim's
 * completed_ns, CLOCK_MONOTONIC) the engine saw status go idle. The
 * simulator is reset before each run, so every run is the same update.
 *   bench-vm-notice IMAGE RUNS  ->  one "notice_us N install_us N" line per run
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tdx/fwupload.h>
#include <tdx/image.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>

#define SIM_DEBUGFS  "/sys/kernel/debug/tdx_host_sim"
#define FW_DIR	     "/sys/class/firmware/tdx_module"
#define VERSION_PATH "/sys/devices/faux/tdx_host/version"
#define NS_PER_SEC   1000000000ULL

struct timed_io {
	struct tdx_fwupload_sysfs sysfs;
	uint64_t idle_seen_ns; /* first "idle" read after loading=0 */
	bool installing;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Delegates to the real sysfs I/O and timestamps the moment idle is seen. */
static int timed_read_attr(void *ud, const char *attr, char *buf, size_t size)
{
	struct timed_io *t = ud;
	int r = tdx_fwupload_io_sysfs.read_attr(&t->sysfs, attr, buf, size);

	if (r >= 0 && t->installing && !t->idle_seen_ns && strcmp(attr, "status") == 0 &&
	    strncmp(buf, "idle", 4) == 0)
		t->idle_seen_ns = now_ns();
	return r;
}

static int timed_write_attr(void *ud, const char *attr, const char *value)
{
	struct timed_io *t = ud;
	int r = tdx_fwupload_io_sysfs.write_attr(&t->sysfs, attr, value);

	if (r >= 0 && strcmp(attr, "loading") == 0 && strcmp(value, "0") == 0)
		t->installing = true;
	return r;
}

static int timed_data_open(void *ud)
{
	return tdx_fwupload_io_sysfs.data_open(&((struct timed_io *)ud)->sysfs);
}

static ssize_t timed_data_write(void *ud, const void *buf, size_t len)
{
	return tdx_fwupload_io_sysfs.data_write(&((struct timed_io *)ud)->sysfs, buf, len);
}

static void timed_data_close(void *ud)
{
	tdx_fwupload_io_sysfs.data_close(&((struct timed_io *)ud)->sysfs);
}

static int timed_read_version(void *ud, struct tdx_version *ret)
{
	return tdx_fwupload_io_sysfs.read_version(&((struct timed_io *)ud)->sysfs, ret);
}

static void timed_sleep_usec(void *ud, uint64_t usec)
{
	tdx_fwupload_io_sysfs.sleep_usec(&((struct timed_io *)ud)->sysfs, usec);
}

static uint64_t timed_now_usec(void *ud)
{
	return tdx_fwupload_io_sysfs.now_usec(&((struct timed_io *)ud)->sysfs);
}

static const struct tdx_fwupload_io timed_io_ops = {
	.read_attr = timed_read_attr,
	.write_attr = timed_write_attr,
	.data_open = timed_data_open,
	.data_write = timed_data_write,
	.data_close = timed_data_close,
	.read_version = timed_read_version,
	.sleep_usec = timed_sleep_usec,
	.now_usec = timed_now_usec,
};

static int sim_completed_ns(uint64_t *ret)
{
	_cleanup_free_ char *v = NULL;
	int r = tdx_sysfs_read(SIM_DEBUGFS "/completed_ns", &v);

	if (r < 0)
		return r;
	*ret = strtoull(v, NULL, 10);
	return 0;
}

static int one_run(const uint8_t *img, size_t size)
{
	struct timed_io t = {
		.sysfs = {.fwupload_dir = FW_DIR, .version_path = VERSION_PATH, .data_fd = -EBADF}};
	struct tdx_fwupload_opts opts = {
		.timeout_usec = 60 * USEC_PER_SEC,
		.poll_initial_usec = TDX_FWUPLOAD_DEFAULT_POLL_INITIAL_USEC,
		.poll_max_usec = TDX_FWUPLOAD_DEFAULT_POLL_MAX_USEC,
	};
	struct tdx_fwupload_result res = {};
	struct tdx_diag diag = {};
	uint64_t done_ns;
	int r;

	r = tdx_sysfs_write(SIM_DEBUGFS "/reset", "1");
	if (r < 0)
		return r;
	r = tdx_fwupload_stream(&timed_io_ops, &t, img, size, &opts, &res, &diag);
	if (r < 0 || res.outcome != TDX_OUTCOME_SUCCESS) {
		fprintf(stderr, "bench-vm-notice: update failed: %s\n",
			diag.msg[0] ? diag.msg : tdx_update_outcome_to_string(res.outcome));
		return r < 0 ? r : -EIO;
	}
	r = sim_completed_ns(&done_ns);
	if (r < 0)
		return r;
	printf("notice_us %.1f install_us %llu polls %u\n",
	       (double)(t.idle_seen_ns - done_ns) / 1e3, (unsigned long long)res.install_usec,
	       res.polls);
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_free_ uint8_t *img = NULL;
	struct tdx_diag diag = {};
	size_t size;
	int runs, r;

	if (argc != 3 || (runs = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench-vm-notice IMAGE RUNS\n");
		return 2;
	}
	r = tdx_file_read_all(argv[1], TDX_IMAGE_MAX_SIZE, &img, &size, &diag);
	if (r < 0) {
		fprintf(stderr, "bench-vm-notice: %s\n", diag.msg);
		return 1;
	}
	for (int i = 0; i < runs; i++)
		if (one_run(img, size) < 0)
			return 1;
	return 0;
}
