/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Update hooks: executables in <hook dir>/pre-update.d/ (may veto an update)
 * and <hook dir>/post-update.d/ (told the result). Run in name order, each
 * with a timeout, with extra environment and a JSON document on stdin. Only
 * regular files owned by root and not writable by group or others run: the
 * daemon runs them as root before touching the TDX module.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tdx/diag.h>

#define TDX_HOOKS_PRE_DIR  "pre-update.d"
#define TDX_HOOKS_POST_DIR "post-update.d"
#define TDX_HOOKS_MAX	   64u

enum tdx_hook_status {
	TDX_HOOK_OK = 0,      /* ran, exit 0 */
	TDX_HOOK_FAILED,      /* ran, non-zero exit or killed by a signal */
	TDX_HOOK_TIMEOUT,     /* killed after the timeout */
	TDX_HOOK_SKIPPED,     /* not run: unsafe owner or mode, not executable (see message) */
	TDX_HOOK_NOT_STARTED, /* fork/exec failed */
	TDX_HOOK_NOT_REACHED, /* an earlier hook vetoed; stop_on_failure */
};

struct tdx_hook_run {
	char name[256];
	enum tdx_hook_status status;
	int exit_status;	    /* exit code, or 128+signal */
	char message[TDX_DIAG_MAX]; /* first line of stderr, or why it was skipped */
};

struct tdx_hooks_report {
	struct tdx_hook_run *runs;
	size_t n_runs;
	bool vetoed;	   /* some hook did not succeed (SKIPPED counts with skipped_vetoes) */
	size_t veto_index; /* which run, when vetoed */
};

/*
 * One hook that passed the checks, handed to a runner instead of fork():
 * tdxd starts it in a transient systemd unit with its own sandbox. The
 * runner returns -errno (diag says why) when the hook could not be started,
 * 0 when it exited (*ret_wait_status is a waitpid() status) or 1 when it was
 * killed at timeout_usec. While waiting it keeps reading capture_fd with
 * tdx_hooks_capture(), so a hook that writes much never blocks on its pipe.
 */
struct tdx_hook_exec {
	const char *path; /* dir/name; the runner executes it by path (tdxd(8) HOOKS) */
	const char *name;
	char **env; /* the options' extra entries only, NULL terminated */
	int stdin_fd;
	int stdout_fd;
	int stderr_fd;	/* the write end of capture_fd's pipe */
	int capture_fd; /* non-blocking */
	char *capture;	/* NUL terminated, what stderr said so far */
	size_t capture_size;
	size_t *capture_len;
	uint64_t timeout_usec;
};
#define TDX_HOOK_RUNNER_TIMED_OUT 1
typedef int (*tdx_hook_runner_t)(const struct tdx_hook_exec *x, void *userdata,
				 int *ret_wait_status, struct tdx_diag *diag);

/* Appends what capture_fd holds now to capture; false at EOF or on an error. */
bool tdx_hooks_capture(const struct tdx_hook_exec *x);

struct tdx_hooks_opts {
	uint64_t timeout_usec;	/* per hook */
	bool stop_on_failure;	/* pre-update: the first failure decides */
	bool skipped_vetoes;	/* pre-update: a hook that cannot run (unsafe, not
				 * executable, a symlink) vetoes: a veto ignored is no veto */
	char **env;		/* "KEY=value" entries added to the environment, NULL terminated */
	const char *stdin_data; /* written to the hook's stdin; NULL: /dev/null */
	uid_t required_owner;	/* 0 in production; tests may use their own uid */
	tdx_hook_runner_t runner; /* NULL: fork and exec in this process */
	void *runner_data;
};

const char *tdx_hook_status_to_string(enum tdx_hook_status s);

/*
 * Runs every hook in dir (a missing dir is no hooks). Returns 0 when the
 * report is filled (check report->vetoed), -errno when dir exists but cannot
 * be listed, -E2BIG (nothing run) when it holds more than TDX_HOOKS_MAX
 * entries: no hook is ever silently left out. A hook is judged by its own
 * exit status and stderr, not by helpers it leaves running.
 */
int tdx_hooks_run_dir(const char *dir, const struct tdx_hooks_opts *opts,
		      struct tdx_hooks_report *ret, struct tdx_diag *diag);
void tdx_hooks_report_done(struct tdx_hooks_report *r);
