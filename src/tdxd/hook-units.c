// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Where hooks and the FleetLock client run. Under systemd, each hook runs in
 * a transient unit with the [Hooks] sandbox and each FleetLock request in a
 * transient unit of tdxd-fleetlock, so that they may reach the network and
 * write outside tdxd's state while tdxd keeps IPAddressDeny=any and
 * ProtectSystem=strict. Without systemd (initramfs, a test's private bus)
 * hooks are forked and FleetLock runs in tdxd, as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tdx/fleetlock.h>

#include "tdxd.h"
#include "transient-unit.h"

#define FLEETLOCK_HELPER LIBEXECDIR "/tdxd-fleetlock"
/* The helper's own sandbox: it needs the network and nothing else. */
#define FLEETLOCK_HELPER_GRACE_USEC (5 * USEC_PER_SEC)

void hooks_choose_runner(struct manager *m)
{
	enum tdx_hooks_transient t = m->config->hooks.transient_unit;

	m->hooks_in_units = t == TDX_HOOKS_TRANSIENT_YES ||
			    (t == TDX_HOOKS_TRANSIENT_AUTO && transient_unit_available());
	log_info("hooks%s run %s (TransientUnit=%s)",
		 fleet_lock_enabled(m) ? " and FleetLock requests" : "",
		 m->hooks_in_units ? "in transient units" : "inside tdxd's sandbox",
		 tdx_hooks_transient_to_string(t));
}

static bool drain_hook_stderr(void *userdata)
{
	return tdx_hooks_capture(userdata);
}

static int run_hook_in_unit(const struct tdx_hook_exec *x, void *userdata, int *ret_wait_status,
			    struct tdx_diag *diag)
{
	struct hook_runner *h = userdata;
	char prefix[64], description[512];
	char *argv[] = {(char *)x->path, NULL};

	snprintf(prefix, sizeof(prefix), "tdxd-hook-%s-%u", h->phase, ++h->n_started);
	snprintf(description, sizeof(description), "tdxd %s-update hook %s", h->phase, x->name);
	struct transient_unit u = {
		.prefix = prefix,
		.description = description,
		.path = x->path,
		.argv = argv,
		.env = x->env,
		.stdin_fd = x->stdin_fd,
		.stdout_fd = x->stdout_fd,
		.stderr_fd = x->stderr_fd,
		.profile = &h->manager->config->hooks,
		.timeout_usec = x->timeout_usec,
		.drain = drain_hook_stderr,
		.drain_userdata = (void *)x,
		.drain_fd = x->capture_fd,
	};
	return transient_unit_run(&u, ret_wait_status, diag);
}

void hook_runner_attach(struct hook_runner *h, struct tdx_hooks_opts *opts)
{
	if (!h->manager->hooks_in_units)
		return;
	opts->runner = run_hook_in_unit;
	opts->runner_data = h;
}

struct capture {
	int fd;
	char buf[TDX_DIAG_MAX];
	size_t len;
};

static bool drain_capture(void *userdata)
{
	struct capture *c = userdata;
	struct tdx_hook_exec x = {
		.capture_fd = c->fd,
		.capture = c->buf,
		.capture_size = sizeof(c->buf),
		.capture_len = &c->len,
	};

	return tdx_hooks_capture(&x);
}

/* "<kind> <message>" from the helper's stdout into kind and diag. */
static int helper_refusal(char *line, char kind[static TDX_FLEET_KIND_MAX], struct tdx_diag *diag)
{
	static const char token[] = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
	char *msg;

	line[strcspn(line, "\n")] = '\0';
	msg = strchr(line, ' ');
	if (msg)
		*msg++ = '\0';
	/* a metrics label: only what the library's own kinds look like */
	if (!line[0] || strlen(line) >= TDX_FLEET_KIND_MAX || strspn(line, token) != strlen(line))
		line = (char *)"transport";
	snprintf(kind, TDX_FLEET_KIND_MAX, "%s", line);
	return tdx_diag_set(diag, strcmp(kind, "transport") == 0 ? -EHOSTUNREACH : -EAGAIN, "%s",
			    msg ?: "refused, without a message");
}

int fleet_lock_request_in_unit(const struct manager *m, const struct tdx_fleetlock *c,
			       enum tdx_fleetlock_api api, char kind[static TDX_FLEET_KIND_MAX],
			       struct tdx_diag *diag)
{
	static const struct tdx_hooks_profile helper_profile = {
		.user = (char *)"",
		.group = (char *)"",
		.protect_system = (char *)"strict",
		.protect_home = (char *)"yes",
		.private_tmp = true,
		.no_new_privileges = true,
	};
	_cleanup_close_ int out_r = -EBADF, out_w = -EBADF;
	char timeout_ms[32], prefix[64];
	struct capture cap = {};
	int p[2], r, status = 0;

	(void)m;
	if (pipe2(p, O_CLOEXEC) < 0)
		return tdx_diag_set(diag, -errno, "cannot make a pipe: %s", strerror(errno));
	out_r = p[0];
	out_w = p[1];
	cap.fd = out_r;
	(void)fcntl(out_r, F_SETFL, O_NONBLOCK);
	snprintf(timeout_ms, sizeof(timeout_ms), "%llu",
		 (unsigned long long)(c->timeout_usec / USEC_PER_MSEC));
	snprintf(prefix, sizeof(prefix), "tdxd-fleetlock-%s", tdx_fleetlock_api_to_string(api));
	char *argv[] = {(char *)"tdxd-fleetlock",
			(char *)tdx_fleetlock_api_to_string(api),
			(char *)c->base_url,
			(char *)c->group,
			(char *)c->id,
			timeout_ms,
			NULL};
	struct transient_unit u = {
		.prefix = prefix,
		.description = "tdxd FleetLock request",
		.path = FLEETLOCK_HELPER,
		.argv = argv,
		.stdin_fd = -1,
		.stdout_fd = out_w,
		.stderr_fd = -1,
		.profile = &helper_profile,
		.dynamic_user = true,
		.timeout_usec = c->timeout_usec + FLEETLOCK_HELPER_GRACE_USEC,
		.drain = drain_capture,
		.drain_userdata = &cap,
		.drain_fd = out_r,
	};
	r = transient_unit_run(&u, &status, diag);
	if (r < 0) {
		snprintf(kind, TDX_FLEET_KIND_MAX, "transport");
		return r;
	}
	(void)drain_capture(&cap);
	if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1)
		return helper_refusal(cap.buf, kind, diag);
	snprintf(kind, TDX_FLEET_KIND_MAX, "transport");
	return tdx_diag_set(diag, -EHOSTUNREACH, "%s %s", FLEETLOCK_HELPER,
			    r == 1 ? "timed out" : "failed (see its unit's journal)");
}
