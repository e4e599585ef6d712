// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * How long `tdxctl list --json` takes on big module stores: generates
 * synthetic stores of 1,000 and 10,000 one-page modules (cached between
 * runs), then times, in-process, what the verb does: scan, policy verdicts
 * (which peek every sigstruct), JSON array of candidates, serialisation.
 * Prints median/min/max and peak RSS. With a tdxctl path as argument it also
 * times `tdxctl --direct list --json --store DIR` as a subprocess against a
 * fixture sysfs tree (fork/exec/wait4, wall and CPU), beside the /bin/true
 * floor of the same run; BENCH_BASELINE_TDXCTL (another build's tdxctl) is
 * timed the same way before it, for a before/after in one run. Never fails
 * on time: only on setup errors.
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
#include <unistd.h>

#include "bench-util.h"
#include "fixture.h"
#include <tdx/json.h>
#include <tdx/policy.h>
#include <tdx/store.h>
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

static void print_times(const char *what, unsigned size, uint64_t *t, unsigned runs)
{
	struct bench_stats st = bench_stats(t, runs, 1e3);

	printf("%-28s %6u images: median %8.2f ms  min %8.2f ms  max %8.2f ms  (%u runs)\n", what,
	       size, st.median, st.min, st.max, runs);
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
	uint64_t cpu0 = bench_cpu_nsec();
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
	       "", size, (double)(bench_cpu_nsec() - cpu0) / runs / 1e6, bytes,
	       bench_peak_rss_kib());
	return 0;
}

/* `tdxctl --direct list --json --store ROOT` as a subprocess; the median wall time or -errno. */
static int64_t bench_list(const char *label, const char *tdxctl, const char *root, unsigned size,
			  unsigned runs)
{
	char *argv[] = {(char *)tdxctl, "--direct",   "list", "--json",
			"--store",	(char *)root, NULL};
	char what[64];

	snprintf(what, sizeof(what), "%s --direct list --json, %u images", label, size);
	return bench_exec_print(what, argv, runs);
}

/*
 * tdxctl (and the baseline's, when given) as a subprocess, fork/exec/wait4,
 * beside the /bin/true floor of the same run, with wall and CPU time.
 */
static int bench_subprocess(const char *tdxctl, const char *baseline, const char *root,
			    unsigned size, unsigned runs)
{
	char *floor_argv[] = {"/bin/true", NULL};
	int64_t floor_ns, list_ns;

	floor_ns = bench_exec_print("/bin/true (floor)", floor_argv, runs);
	if (floor_ns < 0)
		return (int)floor_ns;
	if (baseline) {
		list_ns = bench_list("baseline tdxctl", baseline, root, size, runs);
		if (list_ns < 0)
			return (int)list_ns;
	}
	list_ns = bench_list("tdxctl", tdxctl, root, size, runs);
	if (list_ns < 0)
		return (int)list_ns;
	printf("%-52s %.1fx the /bin/true floor (wall medians)\n", "",
	       (double)list_ns / (double)(floor_ns ? floor_ns : 1));
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
		if (r >= 0)
			r = bench_in_process(root, store_sizes[i], runs);
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
