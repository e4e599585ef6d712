// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs hook directories. Everything the child needs is prepared before fork()
 * because the daemon calls this from a worker thread: between fork and exec
 * only async-signal-safe calls are allowed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tdx/hooks.h>
#include <tdx/string-table.h>

extern char **environ;

static const char *const tdx_hook_status_table[] = {
	[TDX_HOOK_OK] = "ok",
	[TDX_HOOK_FAILED] = "failed",
	[TDX_HOOK_TIMEOUT] = "timeout",
	[TDX_HOOK_SKIPPED] = "skipped",
	[TDX_HOOK_NOT_STARTED] = "not-started",
	[TDX_HOOK_NOT_REACHED] = "not-reached",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_hook_status, enum tdx_hook_status, );

void tdx_hooks_report_done(struct tdx_hooks_report *r)
{
	if (!r)
		return;
	free(r->runs);
	*r = (struct tdx_hooks_report){};
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

/* Why a file must not run, or NULL. Uses the fd we will exec, so no race. */
static const char *hook_unsafe(int fd, uid_t owner)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return "cannot stat";
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (st.st_uid != owner)
		return "not owned by root";
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	if (!(st.st_mode & S_IXUSR))
		return "not executable";
	return NULL;
}

static int hook_filter(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static char **env_build(char **extra)
{
	size_t n = 0, m = 0;
	char **env;

	while (environ && environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = calloc(n + m + 1, sizeof(char *));
	if (!env)
		return NULL;
	/* Extra entries first: getenv() returns the first match. */
	for (size_t i = 0; i < m; i++)
		env[i] = extra[i];
	for (size_t i = 0; i < n; i++)
		env[m + i] = environ[i];
	return env;
}

/* Only async-signal-safe calls here: the parent may be multi-threaded. */
_Noreturn static void hook_child(int exec_fd, int in_fd, int err_fd, int null_fd, char *name,
				 char **env)
{
	char *argv[] = {name, NULL};
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setpgid(0, 0);
	/*
	 * fexecve() of a "#!" script hands the interpreter /dev/fd/N, which
	 * must survive the exec; the hook may see this one fd, nobody else does.
	 */
	fcntl(exec_fd, F_SETFD, 0);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(null_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	fexecve(exec_fd, argv, env);
	_exit(127);
}

static void first_line(const char *buf, char *out, size_t size)
{
	size_t n = strcspn(buf, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(out, buf, n);
	out[n] = '\0';
}

/* Appends what can be read from fd now (non-blocking) to buf; false at EOF or error. */
static bool read_available(int fd, char *buf, size_t size, size_t *len)
{
	for (;;) {
		char tmp[512];
		ssize_t n = read(fd, tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 && errno == EAGAIN;
		if (*len + 1 < size) {
			size_t take = (size_t)n < size - 1 - *len ? (size_t)n : size - 1 - *len;

			memcpy(buf + *len, tmp, take);
			*len += take;
			buf[*len] = '\0';
		}
	}
}

/*
 * Waits for the hook itself to exit, reading its stderr meanwhile, until the
 * deadline. The hook is judged by its own exit status and what it wrote:
 * a helper it started in the background may keep the pipe open long after,
 * and that is not the hook's failure. False on timeout.
 */
static bool wait_hook(pid_t pid, int err_fd, uint64_t deadline, char *buf, size_t size,
		      int *ret_status)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool err_open = true;
	size_t len = 0;

	buf[0] = '\0';
	(void)fcntl(err_fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = {{.fd = err_open ? err_fd : -1, .events = POLLIN},
				      {.fd = pidfd, .events = POLLIN}};
		uint64_t now = now_usec();
		pid_t w = waitpid(pid, ret_status, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR)) {
			/* what it wrote before exiting is in the pipe already */
			(void)read_available(err_fd, buf, size, &len);
			return true;
		}
		if (now >= deadline)
			return false;
		/* no pidfd (old kernel): a short tick instead */
		if (poll(p, 2, pidfd < 0 ? 10 : (int)((deadline - now + 999) / 1000)) > 0 &&
		    err_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			err_open = read_available(err_fd, buf, size, &len);
	}
}

static int make_stdin(const char *data)
{
	int p[2];
	size_t len;

	if (!data)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	len = strlen(data);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	/* Hooks get a small document; more than a pipe buffer is truncated, never blocks. */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	if (write(p[1], data, len) < 0) {
		/* The hook sees a short document; it is informational. */
	}
	close(p[1]);
	return p[0];
}

/* The verdict from a waitpid() status and the first line of what the hook wrote to stderr. */
static void hook_judge(int status, const char *errbuf, struct tdx_hook_run *run)
{
	first_line(errbuf, run->message, sizeof(run->message));
	if (WIFEXITED(status)) {
		run->exit_status = WEXITSTATUS(status);
		run->status = run->exit_status == 0 ? TDX_HOOK_OK : TDX_HOOK_FAILED;
		if (run->exit_status == 127 && !run->message[0])
			snprintf(run->message, sizeof(run->message), "could not be executed");
	} else {
		run->exit_status = 128 + WTERMSIG(status);
		run->status = TDX_HOOK_FAILED;
		if (!run->message[0])
			snprintf(run->message, sizeof(run->message), "killed by signal %d",
				 WTERMSIG(status));
	}
}

static void hook_timed_out(const struct tdx_hooks_opts *opts, struct tdx_hook_run *run)
{
	run->status = TDX_HOOK_TIMEOUT;
	run->exit_status = 128 + SIGKILL;
	snprintf(run->message, sizeof(run->message), "timed out after %llu ms",
		 (unsigned long long)(opts->timeout_usec / USEC_PER_MSEC));
}

bool tdx_hooks_capture(const struct tdx_hook_exec *x)
{
	return read_available(x->capture_fd, x->capture, x->capture_size, x->capture_len);
}

/* The runner's way: the hook runs elsewhere (a transient unit); the verdict is the same. */
static void hook_run_with_runner(const char *dir, int in_fd, int null_fd, int err_r, int err_w,
				 const struct tdx_hooks_opts *opts, struct tdx_hook_run *run)
{
	_cleanup_free_ char *path = NULL;
	char errbuf[TDX_DIAG_MAX] = "";
	struct tdx_diag diag = {};
	size_t len = 0;
	int r, status = 0;

	if (asprintf(&path, "%s/%s", dir, run->name) < 0) {
		run->status = TDX_HOOK_NOT_STARTED;
		snprintf(run->message, sizeof(run->message), "out of memory");
		return;
	}
	(void)fcntl(err_r, F_SETFL, O_NONBLOCK);
	struct tdx_hook_exec x = {
		.path = path,
		.name = run->name,
		.env = opts->env,
		.stdin_fd = in_fd,
		.stdout_fd = null_fd,
		.stderr_fd = err_w,
		.capture_fd = err_r,
		.capture = errbuf,
		.capture_size = sizeof(errbuf),
		.capture_len = &len,
		.timeout_usec = opts->timeout_usec,
	};
	r = opts->runner(&x, opts->runner_data, &status, &diag);
	if (r < 0) {
		run->status = TDX_HOOK_NOT_STARTED;
		snprintf(run->message, sizeof(run->message), "%s", diag.msg);
		return;
	}
	if (r == TDX_HOOK_RUNNER_TIMED_OUT) {
		hook_timed_out(opts, run);
		return;
	}
	(void)tdx_hooks_capture(&x);
	hook_judge(status, errbuf, run);
}

static void hook_exec_one(const char *dir, int dfd, const char *name,
			  const struct tdx_hooks_opts *opts, char **env, struct tdx_hook_run *run)
{
	_cleanup_close_ int exec_fd = -EBADF, in_fd = -EBADF, null_fd = -EBADF;
	_cleanup_close_ int err_r = -EBADF, err_w = -EBADF;
	char errbuf[TDX_DIAG_MAX] = "";
	uint64_t deadline;
	const char *why;
	int pipefd[2], status = 0;
	pid_t pid;

	snprintf(run->name, sizeof(run->name), "%s", name);
	exec_fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (exec_fd < 0) {
		run->status = TDX_HOOK_SKIPPED;
		snprintf(run->message, sizeof(run->message), "cannot open: %s", strerror(errno));
		return;
	}
	why = hook_unsafe(exec_fd, opts->required_owner);
	if (why) {
		run->status = TDX_HOOK_SKIPPED;
		snprintf(run->message, sizeof(run->message), "%s", why);
		return;
	}
	in_fd = make_stdin(opts->stdin_data);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in_fd < 0 || null_fd < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		run->status = TDX_HOOK_NOT_STARTED;
		snprintf(run->message, sizeof(run->message), "cannot set up: %s", strerror(errno));
		return;
	}
	err_r = pipefd[0];
	err_w = pipefd[1];
	if (opts->runner) {
		hook_run_with_runner(dir, in_fd, null_fd, err_r, err_w, opts, run);
		return;
	}
	deadline = now_usec() + opts->timeout_usec;
	pid = fork();
	if (pid < 0) {
		run->status = TDX_HOOK_NOT_STARTED;
		snprintf(run->message, sizeof(run->message), "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		hook_child(exec_fd, in_fd, err_w, null_fd, run->name, env);
	err_w = safe_close(err_w);
	if (!wait_hook(pid, err_r, deadline, errbuf, sizeof(errbuf), &status)) {
		/* The hook and anything it started go: it ran in its own group. */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		hook_timed_out(opts, run);
		return;
	}
	hook_judge(status, errbuf, run);
}

int tdx_hooks_run_dir(const char *dir, const struct tdx_hooks_opts *opts,
		      struct tdx_hooks_report *ret, struct tdx_diag *diag)
{
	struct tdx_hooks_report rep = {};
	_cleanup_close_ int dfd = -EBADF;
	_cleanup_free_ char **env = NULL;
	struct dirent **names = NULL;
	int n, r;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT) {
			*ret = rep;
			return 0;
		}
		r = negative_errno();
		return tdx_diag_set(diag, r, "%s: cannot open: %s", dir, strerror(-r));
	}
	n = scandir(dir, &names, hook_filter, alphasort);
	if (n < 0) {
		r = negative_errno();
		return tdx_diag_set(diag, r, "%s: cannot list: %s", dir, strerror(-r));
	}
	if ((unsigned)n > TDX_HOOKS_MAX) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return tdx_diag_set(diag, -E2BIG, "%s holds %d hooks, at most %u run; none was run",
				    dir, n, TDX_HOOKS_MAX);
	}
	env = env_build(opts->env);
	rep.runs = calloc(n > 0 ? (size_t)n : 1, sizeof(*rep.runs));
	if (!env || !rep.runs) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		free(rep.runs);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		struct tdx_hook_run *run = &rep.runs[rep.n_runs];

		rep.n_runs++;
		if (rep.vetoed && opts->stop_on_failure) {
			snprintf(run->name, sizeof(run->name), "%s", names[i]->d_name);
			run->status = TDX_HOOK_NOT_REACHED;
		} else {
			hook_exec_one(dir, dfd, names[i]->d_name, opts, env, run);
			if (!rep.vetoed && run->status != TDX_HOOK_OK &&
			    (run->status != TDX_HOOK_SKIPPED || opts->skipped_vetoes)) {
				rep.vetoed = true;
				rep.veto_index = rep.n_runs - 1;
			}
		}
		free(names[i]);
	}
	free(names);
	*ret = rep;
	return 0;
}
