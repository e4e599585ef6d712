// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A command in a transient service unit (org.freedesktop.systemd1.Manager
 * StartTransientUnit), with the property encoding systemd-run uses
 * (src/shared/bus-unit-util.c). Type=oneshot, so the start job ends when the
 * main process has exited and systemd has stopped whatever it left behind;
 * JobRemoved says so, and ExecMainCode=/ExecMainStatus= say how it exited.
 * AddRef= keeps the unit loaded until this connection closes, and
 * CollectMode=inactive-or-failed lets systemd drop it then, failed or not.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>

#include <tdx/macro.h>

#include "transient-unit.h"

#define SYSTEMD_DEST	 "org.freedesktop.systemd1"
#define SYSTEMD_PATH	 "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER	 "org.freedesktop.systemd1.Manager"
#define SYSTEMD_SERVICE	 "org.freedesktop.systemd1.Service"
#define UNIT_PATH_PREFIX "/org/freedesktop/systemd1/unit"
/* sd-bus's and dbus's default; tests set another */
#define SYSTEM_BUS_DEFAULT_ADDRESS "unix:path=/run/dbus/system_bus_socket"
/* What a process left behind gets between SIGTERM and SIGKILL when the main one exits. */
#define STOP_TIMEOUT_USEC (5 * USEC_PER_SEC)
/* After the main process exited, or after KillUnit: the start job ends well within this. */
#define END_GRACE_USEC (3 * STOP_TIMEOUT_USEC)
#define UNIT_NAME_MAX  256

struct job_wait {
	const char *unit;
	bool done;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	struct job_wait *w = userdata;
	const char *job, *unit, *result;
	uint32_t id;

	(void)error;
	/* Matched by unit name: the signal may come before StartTransientUnit's reply. */
	if (sd_bus_message_read(msg, "uoss", &id, &job, &unit, &result) >= 0 &&
	    strcmp(unit, w->unit) == 0)
		w->done = true;
	return 0;
}

static int append_strv_property(sd_bus_message *m, const char *name, char **strv)
{
	int r;

	r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "as");
	if (r >= 0)
		r = sd_bus_message_append_strv(m, strv);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

/* ExecStart= as a(sasb): path, argv, "ignore failure". */
static int append_exec_start(sd_bus_message *m, const char *path, char **argv)
{
	int r;

	r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "ExecStart");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "a(sasb)");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sasb)");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'r', "sasb");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", path);
	if (r >= 0)
		r = sd_bus_message_append_strv(m, argv);
	if (r >= 0)
		r = sd_bus_message_append(m, "b", 0);
	for (int i = 0; i < 4 && r >= 0; i++)
		r = sd_bus_message_close_container(m);
	return r;
}

/* IPAddressAllow=/IPAddressDeny= as a(iayu): family, address bytes, prefix length. */
static int append_ip_property(sd_bus_message *m, const char *name, const struct tdx_ip_prefix *list,
			      size_t n)
{
	int r;

	if (n == 0)
		return 0;
	r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "a(iayu)");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(iayu)");
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = sd_bus_message_open_container(m, 'r', "iayu");
		if (r >= 0)
			r = sd_bus_message_append(m, "i", list[i].family);
		if (r >= 0)
			r = sd_bus_message_append_array(m, 'y', list[i].addr,
							list[i].family == AF_INET ? 4 : 16);
		if (r >= 0)
			r = sd_bus_message_append(m, "u", list[i].prefixlen);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
	}
	for (int i = 0; i < 3 && r >= 0; i++)
		r = sd_bus_message_close_container(m);
	return r;
}

/* The [Hooks] sandbox: only the allow-listed properties config-hooks.c validated. */
static int append_profile(sd_bus_message *m, const struct tdx_hooks_profile *p)
{
	int r = 0;

	if (p->user[0])
		r = sd_bus_message_append(m, "(sv)", "User", "s", p->user);
	if (r >= 0 && p->group[0])
		r = sd_bus_message_append(m, "(sv)", "Group", "s", p->group);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "ProtectSystem", "s",
					  p->protect_system, "ProtectHome", "s", p->protect_home,
					  "PrivateTmp", "b", (int)p->private_tmp, "NoNewPrivileges",
					  "b", (int)p->no_new_privileges);
	if (r >= 0 && p->read_write_paths && p->read_write_paths[0])
		r = append_strv_property(m, "ReadWritePaths", p->read_write_paths);
	if (r >= 0)
		r = append_ip_property(m, "IPAddressAllow", p->ip_allow, p->n_ip_allow);
	if (r >= 0)
		r = append_ip_property(m, "IPAddressDeny", p->ip_deny, p->n_ip_deny);
	return r;
}

static int append_fd_property(sd_bus_message *m, const char *name, int fd)
{
	return fd < 0 ? 0 : sd_bus_message_append(m, "(sv)", name, "h", fd);
}

/*
 * systemd refuses an Environment= entry with control characters or invalid
 * UTF-8, and would then refuse the whole unit: a post hook is told an error
 * text, which must not keep it from running.
 */
static char **env_for_systemd(char **env)
{
	size_t n = 0;
	char **out;

	while (env && env[n])
		n++;
	out = calloc(n + 1, sizeof(char *));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = tdx_utf8_sanitize(strdup(env[i]));
		if (!out[i])
			return tdx_strv_free(out);
		for (char *p = out[i]; *p; p++)
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				*p = ' ';
	}
	return out;
}

static int build_start_message(sd_bus *bus, const struct transient_unit *u, const char *name,
			       sd_bus_message **ret)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	char **env = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
					   "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", name, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s",
					  u->description, "Type", "s", "oneshot", "AddRef", "b", 1,
					  "CollectMode", "s", "inactive-or-failed",
					  "TimeoutStopUSec", "t", (uint64_t)STOP_TIMEOUT_USEC);
	if (r >= 0)
		r = append_exec_start(m, u->path, u->argv);
	if (r >= 0 && u->env && u->env[0]) {
		env = env_for_systemd(u->env);
		r = env ? append_strv_property(m, "Environment", env) : -ENOMEM;
		tdx_strv_free(env);
	}
	if (r >= 0)
		r = append_fd_property(m, "StandardInputFileDescriptor", u->stdin_fd);
	if (r >= 0)
		r = append_fd_property(m, "StandardOutputFileDescriptor", u->stdout_fd);
	if (r >= 0)
		r = append_fd_property(m, "StandardErrorFileDescriptor", u->stderr_fd);
	if (r >= 0 && u->dynamic_user)
		r = sd_bus_message_append(m, "(sv)", "DynamicUser", "b", 1);
	if (r >= 0 && u->profile)
		r = append_profile(m, u->profile);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

/*
 * Processes the bus (and drains the caller's pipe) until the unit's start
 * job is removed or the deadline passes. 0: done; -ETIME at the deadline.
 */
static int wait_job(sd_bus *bus, const struct transient_unit *u, struct job_wait *w,
		    uint64_t deadline, bool *drain_open)
{
	for (;;) {
		uint64_t now, bus_timeout = UINT64_MAX;
		int r, events, timeout_ms;

		r = sd_bus_process(bus, NULL);
		if (r < 0)
			return r;
		if (w->done)
			return 0;
		if (r > 0)
			continue;
		now = now_usec();
		if (now >= deadline)
			return -ETIME;
		events = sd_bus_get_events(bus);
		if (events < 0)
			return events;
		(void)sd_bus_get_timeout(bus, &bus_timeout);
		if (bus_timeout > deadline)
			bus_timeout = deadline;
		timeout_ms = bus_timeout <= now ? 0 : (int)((bus_timeout - now + 999) / 1000);
		struct pollfd p[2] = {
			{.fd = sd_bus_get_fd(bus), .events = (short)events},
			{.fd = *drain_open ? u->drain_fd : -1, .events = POLLIN},
		};
		r = poll(p, 2, timeout_ms);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (*drain_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			*drain_open = u->drain(u->drain_userdata);
	}
}

static int unit_int_property(sd_bus *bus, const char *unit_path, const char *name, int *ret)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

	return sd_bus_get_property_trivial(bus, SYSTEMD_DEST, unit_path, SYSTEMD_SERVICE, name,
					   &error, 'i', ret);
}

static bool main_process_exited(sd_bus *bus, const char *unit_path)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	uint64_t t = 0;

	return sd_bus_get_property_trivial(bus, SYSTEMD_DEST, unit_path, SYSTEMD_SERVICE,
					   "ExecMainExitTimestampMonotonic", &error, 't',
					   &t) >= 0 &&
	       t > 0;
}

/* How the main process ended, as waitpid() would say; -ECHILD when it never ran. */
static int unit_wait_status(sd_bus *bus, const char *unit_path, int *ret)
{
	int code = 0, status = 0, r;

	r = unit_int_property(bus, unit_path, "ExecMainCode", &code);
	if (r >= 0)
		r = unit_int_property(bus, unit_path, "ExecMainStatus", &status);
	if (r < 0)
		return r;
	switch (code) {
	case CLD_EXITED:
		*ret = (status & 0xff) << 8;
		return 0;
	case CLD_KILLED:
	case CLD_DUMPED:
		*ret = status & 0x7f;
		return 0;
	default:
		return -ECHILD;
	}
}

static int unit_name(const char *prefix, char name[static UNIT_NAME_MAX])
{
	sd_id128_t id;
	int r;

	r = sd_id128_randomize(&id);
	if (r < 0)
		return r;
	snprintf(name, UNIT_NAME_MAX, "%s-%02x%02x%02x%02x%02x%02x%02x%02x.service", prefix,
		 id.bytes[0], id.bytes[1], id.bytes[2], id.bytes[3], id.bytes[4], id.bytes[5],
		 id.bytes[6], id.bytes[7]);
	return 0;
}

/* Main process still running at the deadline: every process of the unit is killed. */
static void kill_unit(sd_bus *bus, const char *name)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

	(void)sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "KillUnit",
				 &error, NULL, "ssi", name, "all", SIGKILL);
}

static int start_unit(sd_bus *bus, const struct transient_unit *u, const char *name,
		      struct job_wait *w, struct tdx_diag *diag)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_match_signal(bus, NULL, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
				"JobRemoved", on_job_removed, w);
	if (r >= 0)
		r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
				       "Subscribe", &error, NULL, NULL);
	if (r >= 0)
		r = build_start_message(bus, u, name, &m);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, &reply);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot start transient unit %s: %s", name,
				    error.message ?: strerror(-r));
	return 0;
}

int transient_unit_run(const struct transient_unit *u, int *ret_wait_status, struct tdx_diag *diag)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_free_ char *unit_path = NULL;
	char name[UNIT_NAME_MAX];
	struct job_wait w = {.unit = name};
	bool drain_open = u->drain_fd >= 0 && u->drain, timed_out = false;
	uint64_t deadline;
	int r, status = 0;

	r = unit_name(u->prefix, name);
	if (r < 0)
		return tdx_diag_set(diag, r, "no random unit name: %s", strerror(-r));
	r = sd_bus_path_encode(UNIT_PATH_PREFIX, name, &unit_path);
	if (r < 0)
		return tdx_diag_set(diag, r, "out of memory");
	/* The worker's own connection: sd-bus objects are not shared between threads. */
	r = sd_bus_open_system(&bus);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot connect to the system bus: %s", strerror(-r));
	r = start_unit(bus, u, name, &w, diag);
	if (r < 0)
		return r;
	deadline = now_usec() + u->timeout_usec;
	r = wait_job(bus, u, &w, deadline, &drain_open);
	if (r == -ETIME && main_process_exited(bus, unit_path))
		/* in time; what it left behind is being stopped */
		r = wait_job(bus, u, &w, now_usec() + END_GRACE_USEC, &drain_open);
	else if (r == -ETIME) {
		timed_out = true;
		kill_unit(bus, name);
		r = wait_job(bus, u, &w, now_usec() + END_GRACE_USEC, &drain_open);
	}
	if (r < 0)
		return tdx_diag_set(diag, r, "%s: no end seen: %s", name, strerror(-r));
	if (timed_out)
		return 1;
	r = unit_wait_status(bus, unit_path, &status);
	if (r < 0)
		return tdx_diag_set(diag, r, "%s did not run its command (see its journal)", name);
	*ret_wait_status = status;
	return 0;
}

bool transient_unit_available(void)
{
	const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");

	/*
	 * Not "does systemd1 own its name now": at boot PID 1 may not have
	 * connected to a dbus-daemon that tdxd's own start activated, and the
	 * answer would then depend on a race. A bus given in the environment
	 * (a test's private dbus-daemon) has no systemd behind it.
	 */
	return sd_booted() > 0 && (!address || strcmp(address, SYSTEM_BUS_DEFAULT_ADDRESS) == 0);
}
