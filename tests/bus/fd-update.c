// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * busctl cannot pass file descriptors; this calls
 * org.tdxctl.tdx1.Manager.UpdateFromFd for the tests:
 *   fd-update FILE [dry_run] [version=X.Y.ZZ]
 * Prints the job path, or "ERROR-NAME: message" on stderr and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "bus-names.h"

static int append_options(sd_bus_message *m, int argc, char **argv)
{
	int r = sd_bus_message_open_container(m, 'a', "{sv}");

	for (int i = 2; r >= 0 && i < argc; i++) {
		if (strcmp(argv[i], "dry_run") == 0)
			r = sd_bus_message_append(m, "{sv}", "dry_run", "b", 1);
		else if (strncmp(argv[i], "version=", 8) == 0)
			r = sd_bus_message_append(m, "{sv}", "version", "s", argv[i] + 8);
		else
			r = -EINVAL;
	}
	return r < 0 ? r : sd_bus_message_close_container(m);
}

int main(int argc, char **argv)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus *bus = NULL;
	const char *path;
	int fd, r;

	if (argc < 2)
		return 2;
	/* O_RDWR|O_NONBLOCK also opens a FIFO without a writer (the pipe test). */
	fd = open(argv[1], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_message_new_method_call(bus, &m, TDX_BUS_NAME, TDX_BUS_PATH,
						   TDX_BUS_IFACE, "UpdateFromFd");
	if (r >= 0)
		r = sd_bus_message_append(m, "h", fd);
	if (r >= 0)
		r = append_options(m, argc, argv);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", e.name ?: "error", e.message ?: strerror(-r));
		return 1;
	}
	if (sd_bus_message_read(reply, "o", &path) < 0)
		return 1;
	printf("%s\n", path);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	close(fd);
	return 0;
}
