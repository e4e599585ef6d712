// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * How long `tdxctl list --json` takes on big module stores: generates
 * synthetic stores of 1,000 and 10,000 one-page modules (cached between
 * runs), then times, in-process, what the verb does: scan, policy verdicts
 * (which peek every sigstruct), JSON array of candidates, serialisation.
 * Prints median/min/max and peak RSS. With a tdxctl path as argument it also
 * times `tdxctl --direct list --json --store DIR` as a subprocess against a
 * fixture sysfs tree. Never fails on time: only on setup errors.
 *
 *   bench-store-scan [TDXCTL]     env: BENCH_RUNS (default 9), BENCH_CACHE_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include <tdx/json.h>
#include <tdx/policy.h>
#include <tdx/store.h>
#include "synth.h"

#define SERIES_SIZE 100u /* updates 00..99 per major.minor */

static const unsigned store_sizes[] = {1000, 10000};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

/* CPU time of this process (user + system): less sensitive to a loaded machine than wall time. */
static uint64_t cpu_usec(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * USEC_PER_SEC +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
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

/* Everything `tdxctl --direct list --json` does after probing the host. */
static int list_json_once(const char *root, const struct tdx_policy_host *host, size_t *ret_bytes)
{
	_cleanup_(tdx_store_freep) struct tdx_store *store = NULL;
	_cleanup_(json_object_putp) json_object *array = NULL;
	_cleanup_free_ struct tdx_candidate *c = NULL;
	struct tdx_policy_opts opts = {0};
	struct tdx_diag diag = {""};
	const char *text;
	size_t n;
	int r;

	r = tdx_store_scan(root, &store, &diag);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", root, diag.msg);
		return r;
	}
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void print_times(const char *what, unsigned size, uint64_t *t, unsigned runs)
{
	qsort(t, runs, sizeof(*t), cmp_u64);
	printf("%-28s %6u images: median %8.2f ms  min %8.2f ms  max %8.2f ms  (%u runs)\n", what,
	       size, (double)t[runs / 2] / 1e3, (double)t[0] / 1e3, (double)t[runs - 1] / 1e3,
	       runs);
}

static int bench_in_process(const char *root, unsigned size, unsigned runs)
{
	struct tdx_policy_host host = {
		.running = {1, 5, 6},
		.seamldr_known = true,
		.seamldr = {1, 5, 0},
		.cpu_signature = SYNTH_CPU_SPR,
	};
	_cleanup_free_ uint64_t *t = calloc(runs, sizeof(*t));
	size_t bytes = 0;
	uint64_t cpu0 = cpu_usec();
	int r;

	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < runs; i++) {
		uint64_t t0 = now_usec();

		r = list_json_once(root, &host, &bytes);
		if (r < 0)
			return r;
		t[i] = now_usec() - t0;
	}
	print_times("in-process list --json", size, t, runs);
	printf("%-28s %6u images: CPU %.2f ms per run, %zu bytes of JSON, peak RSS so far %ld "
	       "KiB\n",
	       "", size, (double)(cpu_usec() - cpu0) / runs / 1e3, bytes, peak_rss_kib());
	return 0;
}

static int run_tdxctl(const char *tdxctl, const char *store, const char *sysfs_root)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0)
			_exit(127);
		setenv("TDXCTL_SYSFS_ROOT", sysfs_root, 1);
		setenv("TDXCTL_CPU_SIGNATURE", "0x806f8", 1);
		execl(tdxctl, tdxctl, "--direct", "list", "--json", "--store", store, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return negative_errno();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int bench_subprocess(const char *tdxctl, const char *root, unsigned size, unsigned runs,
			    const char *sysfs_root)
{
	_cleanup_free_ uint64_t *t = calloc(runs, sizeof(*t));
	int status = 0;

	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < runs; i++) {
		uint64_t t0 = now_usec();

		status = run_tdxctl(tdxctl, root, sysfs_root);
		if (status < 0)
			return status;
		t[i] = now_usec() - t0;
	}
	print_times("tdxctl --direct list --json", size, t, runs);
	if (status != 0)
		printf("%-28s %6u images: note: tdxctl exited with %d\n", "", size, status);
	return 0;
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
	const char *runs_env = getenv("BENCH_RUNS");
	unsigned runs = runs_env ? (unsigned)atoi(runs_env) : 9;
	_cleanup_free_ char *sysfs_root = NULL;
	int r = 0;

	if (runs == 0)
		runs = 1;
	if (mkdir(cache_dir(), 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %m\n", cache_dir());
		return 1;
	}
	if (tdxctl && fixture_create(&spec, &sysfs_root) < 0) {
		fprintf(stderr, "cannot create a fixture sysfs tree\n");
		return 1;
	}
	for (size_t i = 0; i < ELEMENTSOF(store_sizes) && r >= 0; i++) {
		_cleanup_free_ char *root = NULL;

		r = ensure_store(cache_dir(), store_sizes[i], &root);
		if (r >= 0)
			r = bench_in_process(root, store_sizes[i], runs);
		if (r >= 0 && tdxctl)
			r = bench_subprocess(tdxctl, root, store_sizes[i], runs, sysfs_root);
	}
	fixture_destroy(sysfs_root);
	if (r < 0) {
		fprintf(stderr, "bench-store-scan: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
