// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxctl inhibit --who W --why Y -- COMMAND...: runs COMMAND while holding
 * an inhibitor, so no TDX module update starts while, say, a TD is built or
 * migrated. Through tdxd when it runs; otherwise a shared hold on the
 * inhibit file beside the update lock, which every update checks.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-module.h"
#include "inhibit-named.h"
#include <tdx/lock.h>
#include "log.h"
#include "verbs.h"

/*
 * Without tdxd: a shared hold on the inhibit file, which every update checks
 * and holds exclusively while it writes, so this refuses, naming the hop,
 * when an update (tdxctl --direct) may still write to the kernel. Several
 * inhibitors may be held at once.
 */
static int inhibit_take_local(int *ret_fd)
{
	struct tdx_diag diag = {""};
	int r;

	r = tdx_inhibit_hold(tdx_lock_default_path(), ret_fd, &diag);
	if (r < 0)
		return log_error(r, "%s", diag.msg);
	return 0;
}

static int inhibit_take(const struct tdxctl_options *o, int *ret_fd)
{
	struct tdx_diag diag = {};
	int r;

	r = o->direct ? -EHOSTDOWN
		      : bus_module_inhibit(o->inhibit_who, o->inhibit_why ?: "", ret_fd, &diag);
	if (r == -EHOSTDOWN)
		return inhibit_take_local(ret_fd);
	if (r < 0)
		return log_error(r, "%s", diag.msg);
	return 0;
}

/* Runs argv and returns its exit status the way a shell reports it. */
static int run_command(char **argv)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return log_error(negative_errno(), "fork: %m");
	if (pid == 0) {
		/* The inhibitor fd is O_CLOEXEC: the command does not inherit it. */
		execvp(argv[0], argv);
		fprintf(stderr, "tdxctl: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	/* Ctrl-C reaches the command; we outlive it to release the inhibitor last. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return log_error(negative_errno(), "waitpid: %m");
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int verb_inhibit(const struct tdxctl_options *o, int argc, char **argv)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (o->inhibit_hold || o->inhibit_release || o->inhibit_list)
		return verb_inhibit_named(o, argc, argv);
	if (!o->inhibit_who || !o->inhibit_who[0])
		return cli_usage_error("inhibit: --who is required");
	if (argc < 2)
		return cli_usage_error("inhibit: a command to run is required (after --)");
	r = inhibit_take(o, &fd);
	if (r < 0)
		return r;
	return run_command(argv + 1);
}
