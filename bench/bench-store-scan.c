// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * How long `tdxctl list --json` takes on big module stores: generates
 * synthetic stores of 1,000 and 10,000 one-page modules (cached between
 * runs), then times, in-process, what the verb does: scan, policy verdicts
 * (which peek every sigstruct) and the document, streamed
 * (tdx_view_list_write) and as json-c objects of the candidates. Prints
 * median/min/max and peak RSS. With a tdxctl path as argument it also times
 * `tdxctl --direct list --json --store DIR` as a subprocess against a
 * fixture sysfs tree (fork/exec/wait4, wall and CPU), beside the /bin/true
 * floor, with the load average before and after; BENCH_BASELINE_TDXCTL
 * (another build's tdxctl) is timed the same way, the three alternating run
 * by run, and the two outputs are compared byte for byte. Never fails on
 * time: only on setup errors.
 *
 *   bench-store-scan [TDXCTL]
 *   env: BENCH_RUNS (default 9), BENCH_CACHE_DIR, BENCH_BASELINE_TDXCTL
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "fixture.h"
#include <tdx/json.h>
#include <tdx/policy.h>
#include <tdx/store.h>
#include <tdx/view.h>
#include <tdx/json-writer.h>
#include "synth.h"

#define SERIES_SIZE 100u /* updates 00..99 per major.minor */

static const unsigned store_sizes[] = {1000, 10000};

static uint64_t now_usec(void)
{
	return bench_now_nsec() / NSEC_PER_USEC;
}

/* Unique versions 1.<n>.<u>: 100 updates per series, as many series as needed. */
static int generate_store(const char *root, unsigned n)
{
	_cleanup_free_ struct synth_module_spec *specs = calloc(n, sizeof(*specs));

	if (!specs)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		specs[i] = (struct synth_module_spec){
			.version = {1, i / SERIES_SIZE, i % SERIES_SIZE},
			.module_pages = 1,
			.cpuids = {SYNTH_CPU_SPR, SYNTH_CPU_EMR},
		};
	return synth_store_write(root, NULL, specs, n, TDX_IMAGE_FORMAT_V2, SYNTH_STORE_JOINED);
}

/* A store is reused when its "complete" stamp exists (written after generation). */
static int ensure_store(const char *cache, unsigned n, char **ret_root)
{
	_cleanup_free_ char *root = NULL, *stamp = NULL;
	uint64_t t0;
	int r, fd;

	if (asprintf(&root, "%s/store-%u", cache, n) < 0 ||
	    asprintf(&stamp, "%s/complete", root) < 0)
		return -ENOMEM;
	if (access(stamp, F_OK) < 0) {
		t0 = now_usec();
		r = generate_store(root, n);
		if (r < 0)
			return r;
		fd = open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return negative_errno();
		close(fd);
		printf("generated %u images in %s (%.1f s)\n", n, root,
		       (double)(now_usec() - t0) / 1e6);
	}
	*ret_root = TAKE_PTR(root);
	return 0;
}

static int scan(const char *root, struct tdx_store **ret)
{
	struct tdx_diag diag = {""};
	int r = tdx_store_scan(root, ret, &diag);

	if (r < 0)
		fprintf(stderr, "%s: %s\n", root, diag.msg);
	return r;
}

/* What `tdxctl --direct list --json` did before the stream: json-c objects of the candidates. */
static int list_json_once(const char *root, const struct tdx_policy_host *host, size_t *ret_bytes)
{
	_cleanup_(tdx_store_freep) struct tdx_store *store = NULL;
	_cleanup_(json_object_putp) json_object *array = NULL;
	_cleanup_free_ struct tdx_candidate *c = NULL;
	struct tdx_policy_opts opts = {0};
	const char *text;
	size_t n;
	int r;

	r = scan(root, &store);
	if (r < 0)
		return r;
	r = tdx_policy_evaluate(store, host, &opts, &c, &n);
	if (r < 0)
		return r;
	array = json_object_new_array_ext((int)n);
	if (!array)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_object_array_add(array, tdx_json_candidate(&c[i], &host->running)) < 0)
			return -ENOMEM;
	text = json_object_to_json_string_ext(array, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		return -ENOMEM;
	*ret_bytes = strlen(text);
	return 0;
}

/* A FILE that only counts what is written to it. */
static ssize_t count_write(void *cookie, const char *buf, size_t size)
{
	*(size_t *)cookie += size;
	return (ssize_t)size;
}

/* The same, streamed (tdx_view_list_write, what tdxctl --direct list --json runs now). */
static int list_stream_once(const char *root, const struct tdx_policy_host *ph, size_t *ret_bytes)
{
	_cleanup_(tdx_store_freep) struct tdx_store *store = NULL;
	struct tdx_host host = {
		.module_state = TDX_MODULE_RUNNING,
		.module_version = ph->running,
		.seamldr_version = ph->seamldr,
	};
	struct tdx_view_input in;
	FILE *f;
	int r;

	r = scan(root, &store);
	if (r < 0)
		return r;
	in = (struct tdx_view_input){.host = &host,
				     .cpu_signature = ph->cpu_signature,
				     .store = store,
				     .store_path = root};
	*ret_bytes = 0;
	f = fopencookie(ret_bytes, "w", (cookie_io_functions_t){.write = count_write});
	if (!f)
		return -ENOMEM;
	r = tdx_view_list_write(&in, f, TDX_JSON_WRITE_PRETTY);
	fclose(f);
	return r;
}

static void print_times(const char *what, unsigned size, uint64_t *t, unsigned runs)
{
	struct bench_stats st = bench_stats(t, runs, 1e3);

	printf("%-28s %6u images: median %8.2f ms  min %8.2f ms  max %8.2f ms  (%u runs)\n", what,
	       size, st.median, st.min, st.max, runs);
}

typedef int (*list_fn)(const char *root, const struct tdx_policy_host *host, size_t *ret_bytes);

static int bench_in_process(const char *what, list_fn fn, const char *root, unsigned size,
			    unsigned runs)
{
	struct tdx_policy_host host = {
		.running = {1, 5, 6},
		.seamldr_known = true,
		.seamldr = {1, 5, 0},
		.cpu_signature = SYNTH_CPU_SPR,
	};
	_cleanup_free_ uint64_t *t = calloc(runs, sizeof(*t));
	size_t bytes = 0;
	uint64_t cpu0 = bench_cpu_nsec();
	int r;

	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < runs; i++) {
		uint64_t t0 = now_usec();

		r = fn(root, &host, &bytes);
		if (r < 0)
			return r;
		t[i] = now_usec() - t0;
	}
	print_times(what, size, t, runs);
	printf("%-28s %6u images: CPU %.2f ms per run, %zu bytes of JSON, peak RSS so far %ld "
	       "KiB\n",
	       "", size, (double)(bench_cpu_nsec() - cpu0) / runs / 1e6, bytes,
	       bench_peak_rss_kib());
	return 0;
}

/* One command of the alternating subprocess runs, and its samples. */
struct timed_cmd {
	const char *label;
	char *argv[8];
	uint64_t *wall, *cpu;
};

static void print_cmd(const struct timed_cmd *c, unsigned runs)
{
	struct bench_stats w = bench_stats(c->wall, runs, 1e6),
			   cpu = bench_stats(c->cpu, runs, 1e6);

	printf("%-44s wall median %8.2f ms (min %8.2f, max %8.2f)  CPU median %8.2f ms (min "
	       "%8.2f)\n",
	       c->label, w.median, w.min, w.max, cpu.median, cpu.min);
}

/* The --json output of a tdxctl once, into path (compared between builds). */
static int capture(char *const argv[], const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return negative_errno();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* Whether the baseline and this build print the same bytes. */
static void compare_outputs(const char *what, char *const base_argv[], char *const argv[])
{
	char a[] = "/tmp/tdx-bench-list-a-XXXXXX", b[] = "/tmp/tdx-bench-list-b-XXXXXX";
	int fa = mkstemp(a), fb = mkstemp(b), r;
	char cmd[128];

	if (fa < 0 || fb < 0)
		return;
	close(fa);
	close(fb);
	if (capture(base_argv, a) < 0 || capture(argv, b) < 0)
		printf("output: could not capture both\n");
	else {
		snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
		r = system(cmd);
		printf("output of baseline and this build, %s: %s\n", what,
		       r == 0 ? "byte-identical" : "DIFFERENT");
	}
	unlink(a);
	unlink(b);
}

static void print_loadavg(const char *when)
{
	double l[3];

	if (getloadavg(l, 3) == 3)
		printf("load average %s: %.2f %.2f %.2f (2 cores here)\n", when, l[0], l[1], l[2]);
}

/*
 * The /bin/true floor, the baseline's tdxctl (when given) and this tdxctl as
 * subprocesses, fork/exec/wait4, alternating run by run so that a change of
 * load hits all of them alike; wall and CPU time.
 */
static int bench_subprocess(const char *tdxctl, const char *baseline, const char *root,
			    unsigned size, unsigned runs)
{
	struct timed_cmd cmds[5] = {
		{"/bin/true (floor)", {"/bin/true", NULL}},
		{"baseline tdxctl --direct list --json",
		 {(char *)baseline, "--direct", "list", "--json", "--store", (char *)root, NULL}},
		{"tdxctl --direct list --json",
		 {(char *)tdxctl, "--direct", "list", "--json", "--store", (char *)root, NULL}},
		{"baseline tdxctl --direct list (text)",
		 {(char *)baseline, "--direct", "list", "--store", (char *)root, NULL}},
		{"tdxctl --direct list (text)",
		 {(char *)tdxctl, "--direct", "list", "--store", (char *)root, NULL}},
	};
	size_t n = ELEMENTSOF(cmds);
	int r = 0;

	printf("%u images, %u alternating runs:\n", size, runs);
	print_loadavg("before");
	for (size_t i = 0; i < n; i++) {
		cmds[i].wall = calloc(runs, sizeof(uint64_t));
		cmds[i].cpu = calloc(runs, sizeof(uint64_t));
		if (!cmds[i].wall || !cmds[i].cpu)
			r = -ENOMEM;
	}
	for (unsigned k = 0; k < runs && r >= 0; k++)
		for (size_t i = 0; i < n && r >= 0; i++) {
			struct bench_sample smp = {};

			if (!cmds[i].argv[0])
				continue;
			r = bench_exec(cmds[i].argv, &smp);
			if (r > 0) {
				fprintf(stderr, "bench: %s exited %d\n", cmds[i].argv[0], r);
				r = -EIO;
			}
			cmds[i].wall[k] = smp.wall_nsec;
			cmds[i].cpu[k] = smp.cpu_nsec;
		}
	for (size_t i = 0; i < n && r >= 0; i++)
		if (cmds[i].argv[0])
			print_cmd(&cmds[i], runs);
	print_loadavg("after");
	if (r >= 0 && baseline)
		compare_outputs("--json", cmds[1].argv, cmds[2].argv);
	if (r >= 0 && baseline)
		compare_outputs("text", cmds[3].argv, cmds[4].argv);
	for (size_t i = 0; i < n; i++) {
		free(cmds[i].wall);
		free(cmds[i].cpu);
	}
	return r;
}

static const char *cache_dir(void)
{
	const char *dir = getenv("BENCH_CACHE_DIR");

	return dir ? dir : "/tmp/tdx-bench-store-cache";
}

int main(int argc, char **argv)
{
	const struct fixture_spec spec = {
		.layout = TDX_ABI_MAINLINE, .version = "1.5.06", .seamldr_version = "1.5.00"};
	const char *tdxctl = argc > 1 ? argv[1] : NULL;
	const char *baseline = getenv("BENCH_BASELINE_TDXCTL");
	unsigned runs = bench_runs(9);
	_cleanup_free_ char *sysfs_root = NULL;
	int r = 0;

	if (mkdir(cache_dir(), 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %m\n", cache_dir());
		return 1;
	}
	if (tdxctl && fixture_create(&spec, &sysfs_root) < 0) {
		fprintf(stderr, "cannot create a fixture sysfs tree\n");
		return 1;
	}
	if (tdxctl) {
		setenv("TDXCTL_SYSFS_ROOT", sysfs_root, 1);
		setenv("TDXCTL_CPU_SIGNATURE", "0x806f8", 1);
	}
	for (size_t i = 0; i < ELEMENTSOF(store_sizes) && r >= 0; i++) {
		_cleanup_free_ char *root = NULL;

		r = ensure_store(cache_dir(), store_sizes[i], &root);
		/* streamed first: "peak RSS so far" is then its own */
		if (r >= 0)
			r = bench_in_process("in-process, streamed", list_stream_once, root,
					     store_sizes[i], runs);
		if (r >= 0)
			r = bench_in_process("in-process, json-c candidates", list_json_once, root,
					     store_sizes[i], runs);
		if (r >= 0 && tdxctl)
			r = bench_subprocess(tdxctl, baseline, root, store_sizes[i], runs);
	}
	fixture_destroy(sysfs_root);
	if (r < 0) {
		fprintf(stderr, "bench-store-scan: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
