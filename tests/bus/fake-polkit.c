// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A stand-in for polkitd on the test bus: owns org.freedesktop.PolicyKit1
 * and answers CheckAuthorization with the verdict given on the command line
 * ("yes", "no" or "challenge"), logging each action asked for on stdout.
 *   fake-polkit yes|no|challenge
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

static const char *verdict = "no";

static int check_authorization(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *kind, *action;
	int r;

	r = sd_bus_message_enter_container(m, 'r', "sa{sv}");
	if (r < 0)
		return r;
	r = sd_bus_message_read(m, "s", &kind);
	if (r < 0)
		return r;
	r = sd_bus_message_skip(m, "a{sv}");
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	r = sd_bus_message_read(m, "s", &action);
	if (r < 0)
		return r;
	printf("CheckAuthorization %s %s -> %s\n", kind, action, verdict);
	fflush(stdout);
	return sd_bus_reply_method_return(m, "(bba{ss})", strcmp(verdict, "yes") == 0,
					  strcmp(verdict, "challenge") == 0, 0);
}

static const sd_bus_vtable vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", check_authorization,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;
	sd_event *event = NULL;
	int r;

	if (argc != 2)
		return 2;
	verdict = argv[1];
	r = sd_event_default(&event);
	if (r >= 0)
		r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
					     "org.freedesktop.PolicyKit1.Authority", vtable, NULL);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
	if (r >= 0)
		r = sd_bus_attach_event(bus, event, 0);
	if (r >= 0) {
		printf("ready\n");
		fflush(stdout);
		r = sd_event_loop(event);
	}
	if (r < 0)
		fprintf(stderr, "fake-polkit: %s\n", strerror(-r));
	sd_bus_flush_close_unref(bus);
	sd_event_unref(event);
	return r < 0 ? 1 : 0;
}
