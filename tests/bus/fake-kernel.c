// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Plays the kernel's side of fw_upload on a plain-file sysfs fixture, so the
 * bus tests see real outcomes without a TDX module:
 *   fake-kernel SYSFS-ROOT success VERSION | refuse | fatal
 * Watches <fw>/loading with inotify. On "1" it reports "transferring" in
 * status (the engine polls until idle); on "0" it installs: success writes
 * VERSION and one fewer remaining update; refuse sets error to
 * "transferring:firmware-invalid"; fatal turns version into a socket (reads
 * give ENXIO, as for a lost module). Then status returns to idle. Handles
 * any number of uploads until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
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
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s" HOST "/version", root);
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
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

int main(int argc, char **argv)
{
	char path[4096], ev[4096], value[64];
	int fd;

	if (argc < 3 || (strcmp(argv[2], "success") == 0 && argc != 4)) {
		fprintf(stderr, "usage: fake-kernel ROOT success VERSION|refuse|fatal\n");
		return 2;
	}
	root = argv[1];
	snprintf(path, sizeof(path), "%s" FW "/loading", root);
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, path, IN_CLOSE_WRITE) < 0) {
		perror(path);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (read(fd, ev, sizeof(ev)) > 0) {
		get(FW "/loading", value, sizeof(value));
		if (strcmp(value, "1") == 0) {
			put(FW "/error", "");
			put(FW "/status", "transferring\n");
		} else if (strcmp(value, "0") == 0)
			install(argv[2], argc > 3 ? argv[3] : "");
	}
	return 0;
}
