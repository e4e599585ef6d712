// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <tdx/hooks.h>
#include <tdx/image.h>

struct hookdir {
	char path[64];
};

static int setup(void **state)
{
	struct hookdir *d = calloc(1, sizeof(*d));

	snprintf(d->path, sizeof(d->path), "/tmp/test-hooks-XXXXXX");
	if (!d || !mkdtemp(d->path))
		return -1;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct hookdir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static void add_hook(struct hookdir *d, const char *name, mode_t mode, const char *body)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static struct tdx_hooks_opts opts_default(char **env, const char *in)
{
	return (struct tdx_hooks_opts){
		.timeout_usec = 5 * USEC_PER_SEC,
		.stop_on_failure = true,
		.env = env,
		.stdin_data = in,
		.required_owner = getuid(),
	};
}

static void test_missing_dir(void **state)
{
	struct tdx_hooks_opts o = opts_default(NULL, NULL);
	struct tdx_hooks_report rep;

	assert_int_equal(tdx_hooks_run_dir("/nonexistent/pre-update.d", &o, &rep, NULL), 0);
	assert_int_equal(rep.n_runs, 0);
	assert_false(rep.vetoed);
}

static void test_order_env_stdin(void **state)
{
	struct hookdir *d = *state;
	char *env[] = {"TDX_FROM=1.5.06", "TDX_TO=1.5.08", NULL};
	struct tdx_hooks_opts o = opts_default(env, "{\"from\":\"1.5.06\"}\n");
	struct tdx_hooks_report rep;
	char logpath[128], body[256];
	_cleanup_free_ uint8_t *log = NULL;
	size_t size;

	snprintf(logpath, sizeof(logpath), "%s.log", d->path);
	snprintf(body, sizeof(body), "echo \"b $TDX_TO $(cat)\" >> %s", logpath);
	add_hook(d, "20-b", 0755, body);
	snprintf(body, sizeof(body), "echo \"a $TDX_FROM\" >> %s", logpath);
	add_hook(d, "10-a", 0700, body);
	add_hook(d, ".hidden", 0755, "exit 1");
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_int_equal(rep.n_runs, 2);
	assert_false(rep.vetoed);
	assert_string_equal(rep.runs[0].name, "10-a");
	assert_int_equal(rep.runs[0].status, TDX_HOOK_OK);
	assert_int_equal(tdx_file_read_all(logpath, 4096, &log, &size, NULL), 0);
	assert_string_equal((char *)log, "a 1.5.06\nb 1.5.08 {\"from\":\"1.5.06\"}\n");
	unlink(logpath);
	tdx_hooks_report_done(&rep);
}

static void test_veto_stops(void **state)
{
	struct hookdir *d = *state;
	struct tdx_hooks_opts o = opts_default(NULL, NULL);
	struct tdx_hooks_report rep;

	add_hook(d, "10-ok", 0755, "exit 0");
	add_hook(d, "20-no", 0755, "echo 'VM migration in progress' >&2; echo more >&2; exit 3");
	add_hook(d, "30-later", 0755, "exit 0");
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_true(rep.vetoed);
	assert_int_equal(rep.veto_index, 1);
	assert_int_equal(rep.runs[1].status, TDX_HOOK_FAILED);
	assert_int_equal(rep.runs[1].exit_status, 3);
	assert_string_equal(rep.runs[1].message, "VM migration in progress");
	assert_int_equal(rep.runs[2].status, TDX_HOOK_NOT_REACHED);
	tdx_hooks_report_done(&rep);

	/* Post-update style: everything runs even after a failure. */
	o.stop_on_failure = false;
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_true(rep.vetoed);
	assert_int_equal(rep.runs[2].status, TDX_HOOK_OK);
	tdx_hooks_report_done(&rep);
}

static void test_unsafe_skipped(void **state)
{
	struct hookdir *d = *state;
	struct tdx_hooks_opts o = opts_default(NULL, NULL);
	struct tdx_hooks_report rep;
	char sub[128];

	add_hook(d, "10-group-writable", 0775, "exit 1");
	add_hook(d, "20-world-writable", 0757, "exit 1");
	add_hook(d, "30-not-executable", 0644, "exit 1");
	snprintf(sub, sizeof(sub), "%s/40-dir", d->path);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_int_equal(rep.n_runs, 4);
	assert_false(rep.vetoed); /* skipped hooks never veto: they did not run */
	for (size_t i = 0; i < rep.n_runs; i++)
		assert_int_equal(rep.runs[i].status, TDX_HOOK_SKIPPED);
	assert_string_equal(rep.runs[0].message, "writable by group or others");
	assert_string_equal(rep.runs[2].message, "not executable");
	tdx_hooks_report_done(&rep);

	/* Owned by someone else than the required owner. */
	add_hook(d, "50-fine", 0755, "exit 1");
	o.required_owner = getuid() + 1;
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_int_equal(rep.runs[4].status, TDX_HOOK_SKIPPED);
	assert_string_equal(rep.runs[4].message, "not owned by root");
	assert_false(rep.vetoed);
	tdx_hooks_report_done(&rep);
}

/* A pre-update hook that cannot run is a veto that cannot be heard: it blocks (issue 7). */
static void test_unsafe_pre_hook_vetoes(void **state)
{
	struct hookdir *d = *state;
	struct tdx_hooks_opts o = opts_default(NULL, NULL);
	struct tdx_hooks_report rep;
	char target[128], link[128];

	add_hook(d, "10-ok", 0755, "exit 0");
	add_hook(d, "20-veto", 0775, "exit 1");
	add_hook(d, "30-later", 0755, "exit 0");
	o.skipped_vetoes = true;
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_true(rep.vetoed);
	assert_int_equal(rep.veto_index, 1);
	assert_int_equal(rep.runs[1].status, TDX_HOOK_SKIPPED);
	assert_string_equal(rep.runs[1].message, "writable by group or others");
	assert_int_equal(rep.runs[2].status, TDX_HOOK_NOT_REACHED);
	tdx_hooks_report_done(&rep);

	/* a symlinked hook (O_NOFOLLOW) too */
	snprintf(target, sizeof(target), "%s/20-veto", d->path);
	assert_int_equal(chmod(target, 0755), 0);
	assert_int_equal(rename(target, strcat(strcpy(link, d->path), "/.target")), 0);
	assert_int_equal(symlink(link, target), 0);
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_true(rep.vetoed);
	assert_int_equal(rep.runs[1].status, TDX_HOOK_SKIPPED);
	tdx_hooks_report_done(&rep);
}

/* More than TDX_HOOKS_MAX: refused as a whole, never the first 64 alone (issue 7). */
static void test_too_many_hooks(void **state)
{
	struct hookdir *d = *state;
	struct tdx_hooks_opts o = opts_default(NULL, NULL);
	struct tdx_hooks_report rep = {.n_runs = 4242};
	struct tdx_diag diag = {""};
	char name[32];

	for (unsigned i = 0; i < TDX_HOOKS_MAX; i++) {
		snprintf(name, sizeof(name), "%02u-ok", i);
		add_hook(d, name, 0755, "exit 0");
	}
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_int_equal(rep.n_runs, TDX_HOOKS_MAX);
	assert_false(rep.vetoed);
	tdx_hooks_report_done(&rep);
	add_hook(d, "zz-veto", 0755, "exit 1");
	rep.n_runs = 4242;
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, &diag), -E2BIG);
	assert_int_equal(rep.n_runs, 4242);
	assert_non_null(strstr(diag.msg, "holds 65 hooks, at most 64 run; none was run"));
}

/* A hook that leaves a helper holding its stderr is judged by its own exit (issue 7). */
static void test_background_helper(void **state)
{
	struct hookdir *d = *state;
	struct tdx_hooks_opts o = opts_default(NULL, NULL);
	struct tdx_hooks_report rep;
	struct timespec a, b;

	add_hook(d, "10-helper", 0755, "echo started >&2; setsid sleep 5 & exit 0");
	o.timeout_usec = 2 * USEC_PER_SEC;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(rep.runs[0].status, TDX_HOOK_OK);
	assert_int_equal(rep.runs[0].exit_status, 0);
	assert_string_equal(rep.runs[0].message, "started");
	assert_false(rep.vetoed);
	assert_true(b.tv_sec - a.tv_sec < 2);
	tdx_hooks_report_done(&rep);
}

static void test_timeout_and_signal(void **state)
{
	struct hookdir *d = *state;
	struct tdx_hooks_opts o = opts_default(NULL, NULL);
	struct tdx_hooks_report rep;
	struct timespec a, b;

	add_hook(d, "10-killed", 0755, "kill -9 $$");
	add_hook(d, "20-slow", 0755, "sleep 30");
	o.timeout_usec = 300 * USEC_PER_MSEC;
	o.stop_on_failure = false;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(rep.runs[0].status, TDX_HOOK_FAILED);
	assert_int_equal(rep.runs[0].exit_status, 128 + 9);
	assert_int_equal(rep.runs[1].status, TDX_HOOK_TIMEOUT);
	assert_true(b.tv_sec - a.tv_sec < 5);
	assert_true(rep.vetoed);
	assert_int_equal(rep.veto_index, 0);
	tdx_hooks_report_done(&rep);
}

/* A runner (tdxd's transient units) in place of fork: what it is given, how it is judged. */
struct fake_runner {
	unsigned calls;
	int outcome; /* what the runner returns */
	int exit_code;
	char path[256];
	char stdin_seen[64];
	char env0[64];
};

static int fake_run(const struct tdx_hook_exec *x, void *userdata, int *ret_wait_status,
		    struct tdx_diag *diag)
{
	struct fake_runner *f = userdata;
	ssize_t n;

	f->calls++;
	snprintf(f->path, sizeof(f->path), "%s", x->path);
	snprintf(f->env0, sizeof(f->env0), "%s", x->env ? x->env[0] : "");
	n = read(x->stdin_fd, f->stdin_seen, sizeof(f->stdin_seen) - 1);
	f->stdin_seen[n > 0 ? n : 0] = '\0';
	assert_true(write(x->stderr_fd, "said by the unit\nsecond line\n", 30) == 30);
	assert_true(tdx_hooks_capture(x)); /* the pipe is still open: more may come */
	if (f->outcome < 0)
		return tdx_diag_set(diag, f->outcome, "no systemd here");
	*ret_wait_status = f->exit_code << 8;
	return f->outcome;
}

static void test_runner(void **state)
{
	struct hookdir *d = *state;
	char *env[] = {"TDX_TO=1.5.20", NULL};
	struct tdx_hooks_opts o = opts_default(env, "{\"to\":\"1.5.20\"}");
	struct fake_runner f = {.exit_code = 2};
	struct tdx_hooks_report rep;
	char want[128];

	add_hook(d, "10-a", 0755, "exit 0");
	add_hook(d, "20-unsafe", 0775, "exit 0");
	o.runner = fake_run;
	o.runner_data = &f;
	o.stop_on_failure = false;
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_int_equal(f.calls, 1); /* the unsafe hook never reaches the runner */
	snprintf(want, sizeof(want), "%s/10-a", d->path);
	assert_string_equal(f.path, want);
	assert_string_equal(f.env0, "TDX_TO=1.5.20");
	assert_string_equal(f.stdin_seen, "{\"to\":\"1.5.20\"}");
	assert_int_equal(rep.runs[0].status, TDX_HOOK_FAILED);
	assert_int_equal(rep.runs[0].exit_status, 2);
	assert_string_equal(rep.runs[0].message, "said by the unit");
	assert_int_equal(rep.runs[1].status, TDX_HOOK_SKIPPED);
	tdx_hooks_report_done(&rep);

	f.outcome = TDX_HOOK_RUNNER_TIMED_OUT;
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_int_equal(rep.runs[0].status, TDX_HOOK_TIMEOUT);
	assert_true(rep.vetoed);
	tdx_hooks_report_done(&rep);

	/* no unit, no hook: that is a veto, never a hook silently left out */
	f.outcome = -EHOSTDOWN;
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_int_equal(rep.runs[0].status, TDX_HOOK_NOT_STARTED);
	assert_string_equal(rep.runs[0].message, "no systemd here");
	assert_true(rep.vetoed);
	assert_int_equal(rep.veto_index, 0);
	tdx_hooks_report_done(&rep);

	f.outcome = 0;
	f.exit_code = 0;
	assert_int_equal(tdx_hooks_run_dir(d->path, &o, &rep, NULL), 0);
	assert_int_equal(rep.runs[0].status, TDX_HOOK_OK);
	assert_false(rep.vetoed);
	tdx_hooks_report_done(&rep);
}

static void test_status_names(void **state)
{
	assert_string_equal(tdx_hook_status_to_string(TDX_HOOK_TIMEOUT), "timeout");
	assert_null(tdx_hook_status_to_string(99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test_setup_teardown(test_order_env_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_veto_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_pre_hook_vetoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_background_helper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runner, setup, teardown),
		cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
