// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A caller that stays connected after its job: calls
 * org.tdxctl.tdx1.Manager.Update(TARGET), waits for the job's Finished
 * signal, then at once reads the Manager's ModuleVersion on the same
 * connection, and prints "RESULT MODULE_VERSION". tdxd refreshes after
 * Finished only once its caller has gone or sent something (job-after.c):
 * this read must see the refreshed cache, never the one from before the job.
 * With STATE_DIR, the moment Finished is dispatched (before anything else is
 * sent) it also checks tdxd's files there: a caller that has seen Finished
 * must find the job's history record and installed.json already written; it
 * then prints " history installed" after the version, "-" for each missing.
 * With MARKER, likewise whether the reboot marker exists then: " marker" or
 * " -" (a fatal job writes it before Finished).
 *   update-follow TARGET [STATE_DIR [MARKER]]
 */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus-names.h"

struct follow {
	char *job;
	char *result;
	const char *target;
	const char *state_dir;
	const char *marker;
	bool history, installed, marked;
};

/* Whether the file FILE in dir, with its white space removed, contains key:"value". */
static bool file_has(const char *dir, const char *file, const char *key, const char *value)
{
	char path[4096], want[256], text[1 << 16];
	size_t n = 0;
	FILE *f;
	int c;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(want, sizeof(want), "\"%s\":\"%s\"", key, value);
	f = fopen(path, "re");
	if (!f)
		return false;
	while ((c = fgetc(f)) != EOF && n < sizeof(text) - 1)
		if (c != ' ' && c != '\n' && c != '\t')
			text[n++] = (char)c;
	text[n] = '\0';
	fclose(f);
	return strstr(text, want) != NULL;
}

static int on_finished(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct follow *f = userdata;
	const char *path = sd_bus_message_get_path(m), *result, *document;

	if (!f->job || !path || strcmp(path, f->job) != 0 || f->result ||
	    sd_bus_message_read(m, "ss", &result, &document) < 0)
		return 0;
	f->result = strdup(result);
	if (f->state_dir) {
		f->history = file_has(f->state_dir, "history.json", "to", f->target);
		f->installed = file_has(f->state_dir, "installed.json", "version", f->target);
	}
	if (f->marker)
		f->marked = access(f->marker, F_OK) == 0;
	return 0;
}

static int fail(const char *what, const sd_bus_error *e, int r)
{
	fprintf(stderr, "update-follow: %s: %s\n", what,
		e && e->message ? e->message : strerror(r < 0 ? -r : EIO));
	return 1;
}

int main(int argc, char **argv)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct follow f = {.target = argv[1],
			   .state_dir = argc > 2 ? argv[2] : NULL,
			   .marker = argc > 3 ? argv[3] : NULL};
	sd_bus *bus = NULL;
	const char *path;
	char *version = NULL;
	int r;

	if (argc < 2 || argc > 4)
		return 2;
	r = sd_bus_open_system(&bus);
	if (r < 0)
		return fail("system bus", NULL, r);
	r = sd_bus_match_signal(bus, NULL, TDX_BUS_NAME, NULL, TDX_BUS_JOB_IFACE, "Finished",
				on_finished, &f);
	if (r < 0)
		return fail("match", NULL, r);
	r = sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE, "Update", &e, &reply,
			       "sa{sv}", argv[1], 0);
	if (r < 0)
		return fail("Update", &e, r);
	if (sd_bus_message_read(reply, "o", &path) < 0 || !(f.job = strdup(path)))
		return fail("Update's reply", NULL, -EBADMSG);
	while (!f.result) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			return fail("waiting for Finished", NULL, r);
		if (r == 0 && (r = sd_bus_wait(bus, 60 * 1000000ULL)) <= 0)
			return fail("waiting for Finished", NULL, r ?: -ETIMEDOUT);
	}
	r = sd_bus_get_property_string(bus, TDX_BUS_NAME, TDX_BUS_PATH, TDX_BUS_IFACE,
				       "ModuleVersion", &e, &version);
	if (r < 0)
		return fail("ModuleVersion", &e, r);
	printf("%s %s", f.result, version);
	if (f.state_dir)
		printf(" %s %s", f.history ? "history" : "-", f.installed ? "installed" : "-");
	if (f.marker)
		printf(" %s", f.marked ? "marker" : "-");
	printf("\n");
	free(version);
	free(f.result);
	free(f.job);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return 0;
}
