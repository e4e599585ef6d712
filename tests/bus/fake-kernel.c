// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Plays the kernel's side of fw_upload on a plain-file sysfs fixture, so the
 * bus tests see real outcomes without a TDX module:
 *   fake-kernel SYSFS-ROOT success VERSION | refuse | fatal
 * <fw>/data becomes a FIFO with a one-page buffer that this process holds
 * open. The engine's second page cannot go in before we have seen the
 * first and set status to "transferring", so the engine always polls a busy
 * device after loading=0, as with a real kernel. The bytes are kept in
 * <fw>/data.received. Once loading reads "0" it installs: success writes
 * VERSION and one fewer remaining update; refuse sets error to
 * "transferring:firmware-invalid"; fatal turns version into a socket (reads
 * give ENXIO, as for a lost module). Then status returns to idle. On SIGTERM
 * data is a plain file again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HOST "/devices/faux/tdx_host"
#define FW   HOST "/firmware/tdx_module"

static const char *root;

static void put(const char *rel, const char *value)
{
	char path[4096], tmp[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f || fputs(value, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		perror(path);
		exit(1);
	}
}

static void get(const char *rel, char *buf, size_t size)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static void make_lost(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char path[sizeof(sa.sun_path)];
	int fd;

	if (snprintf(path, sizeof(path), "%s" HOST "/version", root) >= (int)sizeof(path)) {
		fprintf(stderr, "%s: path too long for a socket\n", root);
		exit(1);
	}
	unlink(path);
	memcpy(sa.sun_path, path, sizeof(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("socket");
		exit(1);
	}
	close(fd);
}

static void install(const char *mode, const char *version)
{
	char buf[64];

	if (strcmp(mode, "success") == 0) {
		get(HOST "/num_remaining_updates", buf, sizeof(buf));
		snprintf(buf, sizeof(buf), "%d\n", atoi(buf) - 1);
		put(HOST "/num_remaining_updates", buf);
		snprintf(buf, sizeof(buf), "%s\n", version);
		put(HOST "/version", buf);
	} else if (strcmp(mode, "fatal") == 0) {
		make_lost();
	} else {
		put(FW "/error", "transferring:firmware-invalid\n");
	}
	put(FW "/status", "idle\n");
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

/* Waits up to ms for data; false when stopped. */
static bool wait_readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) > 0 && !stop;
}

/* One upload: the first page is in the pipe, loading reads "1". */
static void one_upload(int fd, int out, const char *mode, const char *version)
{
	char buf[4096], value[16];
	ssize_t n;

	put(FW "/error", "");
	put(FW "/status", "transferring\n");
	for (;;) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				exit(1);
		get(FW "/loading", value, sizeof(value));
		if (strcmp(value, "0") == 0 || strcmp(value, "-1") == 0 || stop)
			break;
		wait_readable(fd, 5);
	}
	if (strcmp(value, "0") == 0)
		install(mode, version);
	else
		put(FW "/status", "idle\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_term}; /* no SA_RESTART: poll() returns */
	char path[4096], out[4200];
	int fd, ofd;

	if (argc < 3 || (strcmp(argv[2], "success") == 0 && argc != 4)) {
		fprintf(stderr, "usage: fake-kernel ROOT success VERSION|refuse|fatal\n");
		return 2;
	}
	root = argv[1];
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	snprintf(path, sizeof(path), "%s" FW "/data", root);
	snprintf(out, sizeof(out), "%s.received", path);
	unlink(path);
	/* O_RDWR: opening never blocks, and we are the reader the engine waits for. */
	if (mkfifo(path, 0644) < 0 || (fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    fcntl(fd, F_SETPIPE_SZ, 4096) < 0) {
		perror(path);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if (!wait_readable(fd, -1))
			continue;
		ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (ofd < 0)
			return 1;
		one_upload(fd, ofd, argv[2], argc > 3 ? argv[3] : "");
		close(ofd);
	}
	close(fd);
	unlink(path);
	put(FW "/data", "");
	return 0;
}
