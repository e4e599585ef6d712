// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unprivileged floods for the bus tests and the bench (issue 7):
 *   bus-flood inhibit N
 *     calls Inhibit() up to N times on one connection and keeps every fd;
 *     prints "granted K" and, at the first refusal, "refused ERROR-NAME:
 *     message"; then holds the inhibitors until stdin reaches EOF.
 *   bus-flood read CONNECTIONS CALLS METHOD
 *     opens CONNECTIONS connections, queues CALLS asynchronous calls of the
 *     view METHOD (GetStatus, GetList, GetPlan) on each at once, and prints
 *     "replies R errors E seconds S" when every answer is in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bus-names.h"

static int flood_inhibit(unsigned n)
{
	sd_bus *bus = NULL;
	unsigned granted = 0;
	int r;

	r = sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "bus: %s\n", strerror(-r));
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		sd_bus_error e = SD_BUS_ERROR_NULL;
		sd_bus_message *reply = NULL;
		int fd;

		r = sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE, "Inhibit",
				       &e, &reply, "ss", "flood", "holding fds");
		if (r < 0) {
			printf("granted %u\nrefused %s: %s\n", granted, e.name, e.message);
			sd_bus_error_free(&e);
			break;
		}
		/* keep a copy: the message's fd closes with it */
		if (sd_bus_message_read(reply, "h", &fd) < 0 || fcntl(fd, F_DUPFD_CLOEXEC, 3) < 0)
			return 1;
		sd_bus_message_unref(reply);
		granted++;
	}
	if (granted == n)
		printf("granted %u\n", granted);
	printf("holding\n");
	fflush(stdout);
	while (read(STDIN_FILENO, &(char){0}, 1) > 0)
		;
	sd_bus_flush_close_unref(bus);
	return 0;
}

static unsigned replies, errors;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	replies++;
	errors += sd_bus_message_is_method_error(m, NULL) != 0;
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One asynchronous call of a view method, with the arguments it takes. */
static int call_view(sd_bus *bus, const char *method)
{
	if (strcmp(method, "GetStatus") == 0)
		return sd_bus_call_method_async(bus, NULL, TDX_BUS_NAME, TDX_BUS_PATH,
						TDX_BUS_IFACE, method, on_reply, NULL, NULL);
	if (strcmp(method, "GetList") == 0)
		return sd_bus_call_method_async(bus, NULL, TDX_BUS_NAME, TDX_BUS_PATH,
						TDX_BUS_IFACE, method, on_reply, NULL, "a{sv}", 0);
	return sd_bus_call_method_async(bus, NULL, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE,
					method, on_reply, NULL, "sa{sv}", "", 0);
}

static int flood_read(unsigned conns, unsigned calls, const char *method)
{
	sd_bus **bus = calloc(conns, sizeof(*bus));
	unsigned total = conns * calls;
	double t0 = now_seconds();

	if (!bus)
		return 1;
	for (unsigned c = 0; c < conns; c++) {
		if (sd_bus_open_system(&bus[c]) < 0)
			return 1;
		for (unsigned i = 0; i < calls; i++)
			if (call_view(bus[c], method) < 0)
				return 1;
	}
	while (replies < total)
		for (unsigned c = 0; c < conns; c++) {
			int r;

			while ((r = sd_bus_process(bus[c], NULL)) > 0)
				;
			if (r < 0)
				return 1;
			if (replies < total)
				(void)sd_bus_wait(bus[c],
						  1000); /* 1 ms: the others are served too */
		}
	printf("replies %u errors %u seconds %.3f\n", replies, errors, now_seconds() - t0);
	for (unsigned c = 0; c < conns; c++)
		sd_bus_flush_close_unref(bus[c]);
	free(bus);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "inhibit") == 0)
		return flood_inhibit((unsigned)strtoul(argv[2], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "read") == 0)
		return flood_read((unsigned)strtoul(argv[2], NULL, 10),
				  (unsigned)strtoul(argv[3], NULL, 10), argv[4]);
	fprintf(stderr, "usage: bus-flood inhibit N | read CONNECTIONS CALLS METHOD\n");
	return 2;
}
