// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one fake kernel of the shell suites (cli, bus, hostile, fleet, hook,
 * bench): it builds their plain-file sysfs trees (fixture.c's
 * fixture_create_at(), the same trees the unit tests get) and plays the
 * kernel's side of fw_upload on them, so tdxctl and tdxd see real outcomes
 * without a TDX module. (Unit tests script the engine in-process with
 * fixture.h's fake_fw instead; the VM suite runs kernel/tdx_host_sim.)
 *
 *   fake-kernel --make-sysfs ROOT [WORD...]
 *   fake-kernel --set ROOT WORD...
 *   fake-kernel [--log DIR] [--repeat] ROOT STEP...
 *   fake-kernel --now ROOT STEP...
 *
 * --make-sysfs creates a tdx_host tree under ROOT as the kernel shows it
 * (modes, trailing newlines; defaults: mainline layout, module 1.5.06,
 * P-SEAMLDR 1.5.02, 10 updates left, CPUs 0-1 online and present, status
 * idle). A WORD is key=value (version, seamldr, remaining, online, present,
 * status: the attribute's text, which may be garbage on purpose;
 * layout=mainline|seamldr-dir|seamldr-upload|none) or a flag (hidden:
 * runtime update unsupported; no-fwupload; lost: version reads ENXIO;
 * device-path-only: no /sys/class/firmware link). --set changes the named
 * attributes of an existing tree (something outside an upload happened: a
 * reboot, a refresh of the P-SEAMLDR count; also lost and hidden). A bad
 * WORD is one line on stderr and exit 2.
 *
 * Upload N plays STEP N. A STEP is one of, or several joined with "+":
 *   version=X.Y.ZZ  success: the version, one fewer remaining update
 *   refuse          error reads "transferring:firmware-invalid", version kept
 *   lost            version becomes a socket (reads give ENXIO: module lost)
 *   hang            status stays "transferring" (the install never ends)
 *   signal          SIGINT, SIGTERM and SIGHUP to the writer, mid-upload
 * Without --repeat the fake exits after the last STEP's upload; with it the
 * last STEP serves every later upload until SIGTERM or SIGINT. --now applies
 * the STEPs to ROOT at once (no upload) and exits.
 *
 * <fw>/data becomes a FIFO with a one-page buffer that this process holds
 * open, and "ready" is printed. At an upload's first byte the fake sets
 * status to "transferring", logs "N STEP" to DIR/uploads.log and sends any
 * signal; the writer cannot get its second page in before that, so the
 * engine always meets a busy device, as with a real kernel. The install
 * happens once the writer's last write to loading is 0 (nothing is installed
 * on -1); loading reads "0" again, then the outcome is written (error before
 * status, as the kernel sets err_code before progress goes idle), then status
 * returns to idle. The bytes are kept in <fw>/data.received and
 * DIR/upload.N. On exit data is a plain file again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

static const char *root;
/* fw_upload and num_remaining_updates of the tree's layout */
static char fw[128], remaining_rel[128];
static const char *log_dir;
static volatile sig_atomic_t stop;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Replaces <root>/<rel> atomically, keeping its mode: a reader sees the old or the new value. */
static void put(const char *rel, const char *value)
{
	int r = fixture_write(root, rel, value);

	if (r < 0) {
		fprintf(stderr, "fake-kernel: %s/%s: %s\n", root, rel, strerror(-r));
		exit(1);
	}
}

static void get(const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static void fw_put(const char *attr, const char *value)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/%s", fw, attr);
	put(rel, value);
}

static void fw_get(const char *attr, char *buf, size_t size)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/%s", fw, attr);
	get(rel, buf, size);
}

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;

	if (!log_dir)
		return;
	snprintf(path, sizeof(path), "%s/uploads.log", log_dir);
	f = fopen(path, "ae");
	if (!f)
		die(path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* Signals every other process holding data open: the uploading writer. */
static void signal_writers(void)
{
	char data[PATH_MAX], real[PATH_MAX], fd_dir[64], link[PATH_MAX + 64], target[PATH_MAX];
	struct dirent *p, *d;
	DIR *procs, *fds;
	unsigned n = 0;
	ssize_t len;

	snprintf(data, sizeof(data), "%s/%s/data", root, fw);
	if (!realpath(data, real))
		die(data);
	procs = opendir("/proc");
	if (!procs)
		die("/proc");
	while ((p = readdir(procs))) {
		pid_t pid = (pid_t)atoi(p->d_name);
		bool holds = false;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(fd_dir, sizeof(fd_dir), "/proc/%d/fd", (int)pid);
		fds = opendir(fd_dir);
		if (!fds)
			continue;
		while (!holds && (d = readdir(fds))) {
			snprintf(link, sizeof(link), "%s/%s", fd_dir, d->d_name);
			len = readlink(link, target, sizeof(target) - 1);
			holds = len > 0 && (target[len] = '\0', strcmp(target, real) == 0);
		}
		closedir(fds);
		if (!holds)
			continue;
		kill(pid, SIGINT);
		kill(pid, SIGTERM);
		kill(pid, SIGHUP);
		n++;
	}
	closedir(procs);
	log_line("signalled %u\n", n);
}

static void install_version(const char *version)
{
	char buf[128];

	get(remaining_rel, buf, sizeof(buf));
	snprintf(buf, sizeof(buf), "%d\n", atoi(buf) - 1);
	put(remaining_rel, buf);
	snprintf(buf, sizeof(buf), "%s\n", version);
	put(FIXTURE_VERSION, buf);
}

static bool step_has(const char *step, const char *part)
{
	size_t n = strlen(part);

	for (const char *p = step; p; p = strchr(p, '+')) {
		if (*p == '+')
			p++;
		if (strncmp(p, part, n) == 0 && (p[n] == '\0' || p[n] == '+'))
			return true;
	}
	return false;
}

static const char *step_version(const char *step)
{
	static char version[64];

	for (const char *p = step; p; p = strchr(p, '+')) {
		if (*p == '+')
			p++;
		if (strncmp(p, "version=", 8) == 0) {
			snprintf(version, sizeof(version), "%.*s", (int)strcspn(p + 8, "+"), p + 8);
			return version;
		}
	}
	return NULL;
}

/* Refuses a STEP this fake does not know, before any upload. */
static void check_step(const char *step)
{
	char copy[256], *part, *save;

	snprintf(copy, sizeof(copy), "%s", step);
	for (part = strtok_r(copy, "+", &save); part; part = strtok_r(NULL, "+", &save))
		if (strcmp(part, "refuse") != 0 && strcmp(part, "lost") != 0 &&
		    strcmp(part, "hang") != 0 && strcmp(part, "signal") != 0 &&
		    !(strncmp(part, "version=", 8) == 0 && part[8])) {
			fprintf(stderr, "fake-kernel: unknown step \"%s\"\n", part);
			exit(2);
		}
}

/* The kernel's install, once loading reads "0": the outcome, then idle. */
static void install(const char *step)
{
	const char *version = step_version(step);

	if (version)
		install_version(version);
	if (step_has(step, "refuse"))
		fw_put("error", "transferring:firmware-invalid\n");
	if (step_has(step, "lost") && fixture_make_enxio(root, FIXTURE_VERSION) < 0)
		die("lost: version");
	if (!step_has(step, "hang"))
		fw_put("status", "idle\n");
}

static void on_stop(int sig)
{
	stop = 1;
}

/*
 * SIGTERM and SIGINT stay blocked except inside ppoll(): one that comes
 * after a check of stop and before the wait would otherwise be lost, and the
 * fake would wait for an upload that never comes (a test's kill + wait hung).
 */
static sigset_t unblocked;

/* Waits up to ms (-1: for ever) for data; false when stopped. */
static bool wait_readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	return !stop && ppoll(&p, 1, ms < 0 ? NULL : &ts, &unblocked) > 0 && !stop;
}

static void drain(int fd, int out, int out_n)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n ||
		    (out_n >= 0 && write(out_n, buf, (size_t)n) != n))
			die("copy");
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die(path);
	return fd;
}

/*
 * What the writer last wrote to loading: 1 (loading), 0 (done) or -1
 * (abort). The kernel parses each write afresh; the fixture's loading is a
 * plain file written without O_TRUNC, so "1" over "-1" reads "11" and "0"
 * over that "01": the first character is the last write.
 */
static int loading_state(void)
{
	char value[16];

	fw_get("loading", value, sizeof(value));
	return value[0] == '0' ? 0 : value[0] == '-' ? -1 : 1;
}

/* Upload n: its first page is in the pipe. */
static void one_upload(int fd, unsigned n, const char *step)
{
	char path[PATH_MAX];
	int out, out_n = -1, loading;

	snprintf(path, sizeof(path), "%s/%s/data.received", root, fw);
	out = open_out(path);
	if (log_dir) {
		snprintf(path, sizeof(path), "%s/upload.%u", log_dir, n);
		out_n = open_out(path);
	}
	/* Logged before the step, so before the writer can see any outcome. */
	log_line("%u %s\n", n, step);
	fw_put("error", "");
	fw_put("status", "transferring\n");
	if (step_has(step, "signal"))
		signal_writers();
	for (;;) {
		drain(fd, out, out_n);
		loading = loading_state();
		if (loading <= 0 || stop)
			break;
		wait_readable(fd, 5);
	}
	/* The writer's last page may have gone in after the drain above. */
	drain(fd, out, out_n);
	close(out);
	if (out_n >= 0)
		close(out_n);
	/* loading reads "0" again once the load is over, before status says so */
	fw_put("loading", "0\n");
	if (loading == 0)
		install(step);
	else
		fw_put("status", "idle\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: fake-kernel --make-sysfs ROOT [WORD...]\n"
			"       fake-kernel --set ROOT WORD...\n"
			"       fake-kernel [--log DIR] [--repeat] ROOT STEP...\n"
			"       fake-kernel --now ROOT STEP...\n");
	exit(2);
}

/* --make-sysfs (make) or --set: the WORDs of fixture_spec_set() applied to root. */
static int build_tree(bool make, int argc, char **argv)
{
	struct fixture_spec spec = {.layout = make ? TDX_ABI_MAINLINE : TDX_ABI_UNKNOWN};
	int r;

	for (int i = 0; i < argc; i++)
		if (fixture_spec_set(&spec, argv[i]) < 0) {
			fprintf(stderr, "fake-kernel: %s: unknown word \"%s\"\n",
				make ? "--make-sysfs" : "--set", argv[i]);
			return 2;
		}
	r = make ? fixture_create_at(root, &spec) : fixture_set(root, &spec);
	if (r == -EINVAL) {
		fprintf(stderr, "fake-kernel: --set: layout, no-fwupload and device-path-only "
				"shape a new tree (--make-sysfs)\n");
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "fake-kernel: %s: %s\n", root, strerror(-r));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll() returns */
	bool repeat = false, now = false, make = false, set = false;
	enum tdx_abi_layout layout;
	sigset_t block;
	char path[PATH_MAX];
	int i = 1, fd, nsteps;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			log_dir = argv[++i];
		else if (strcmp(argv[i], "--repeat") == 0)
			repeat = true;
		else if (strcmp(argv[i], "--now") == 0)
			now = true;
		else if (strcmp(argv[i], "--make-sysfs") == 0)
			make = true;
		else if (strcmp(argv[i], "--set") == 0)
			set = true;
		else
			usage();
	}
	if (argc - i < (make ? 1 : 2))
		usage();
	root = argv[i++];
	nsteps = argc - i;
	if (make || set)
		return build_tree(make, nsteps, argv + i);
	layout = fixture_layout(root);
	snprintf(fw, sizeof(fw), "%s", fixture_fwupload_rel(layout));
	snprintf(remaining_rel, sizeof(remaining_rel), "%s", fixture_remaining_rel(layout));
	for (int s = 0; s < nsteps; s++)
		check_step(argv[i + s]);
	if (now) {
		for (int s = 0; s < nsteps; s++)
			install(argv[i + s]);
		return 0;
	}

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	snprintf(path, sizeof(path), "%s/%s/data", root, fw);
	unlink(path);
	/* O_RDWR: opening never blocks, and we are the reader the engine waits for. */
	if (mkfifo(path, 0644) < 0 || (fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    fcntl(fd, F_SETPIPE_SZ, 4096) < 0)
		die(path);
	printf("ready\n");
	fflush(stdout);
	for (unsigned n = 1; !stop && (repeat || (int)n <= nsteps);) {
		if (!wait_readable(fd, -1))
			continue;
		one_upload(fd, n, argv[i + ((int)n <= nsteps ? (int)n : nsteps) - 1]);
		n++;
	}
	close(fd);
	unlink(path);
	fw_put("data", "");
	return 0;
}
