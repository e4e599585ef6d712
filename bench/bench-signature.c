// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What authenticating an image costs: the sigstruct signature check
 * (SHA-256 key fingerprint, SHA-384 of the signed bytes, RSA-3072 PKCS#1
 * v1.5 verification with Nettle) in-process, per call; and, as a subprocess
 * with a fork/exec/wait4 timer, `tdxctl blob info` of a synthetic image
 * (signed with the test key, which it trusts) next to the `/bin/true` floor
 * of the same run. Prints numbers, never fails on time.
 *
 *   bench-signature SIGSTRUCT [TDXCTL]   env: BENCH_RUNS (default 9)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tdx/image.h>
#include <tdx/macro.h>
#include <tdx/hash.h>
#include <tdx/signature.h>
#include "synth.h"

#define VERIFIES_PER_RUN 1000u

static uint64_t now_nsec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of this process: a loaded machine stretches wall time, not this. */
static uint64_t cpu_nsec(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return ((uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
		(uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)) *
	       1000u;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts t and prints median, min and max in microseconds. */
static void print_stats(const char *what, uint64_t *t, unsigned n, double divisor)
{
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("%-40s median %9.1f us   min %9.1f   max %9.1f\n", what, t[n / 2] / divisor / 1e3,
	       t[0] / divisor / 1e3, t[n - 1] / divisor / 1e3);
}

static int bench_verify(const uint8_t *sig, size_t size, unsigned runs)
{
	_cleanup_free_ uint64_t *t = calloc(runs, sizeof(*t)), *cpu = calloc(runs, sizeof(*cpu));
	struct tdx_signature s;

	if (!t || !cpu)
		return -ENOMEM;
	for (unsigned r = 0; r < runs; r++) {
		uint64_t t0 = now_nsec(), c0 = cpu_nsec();

		for (unsigned i = 0; i < VERIFIES_PER_RUN; i++)
			tdx_signature_verify(sig, size, &s);
		t[r] = now_nsec() - t0;
		cpu[r] = cpu_nsec() - c0;
		if (s.status != TDX_SIGNATURE_VALID) {
			fprintf(stderr, "bench-signature: the sigstruct does not verify\n");
			return -EBADMSG;
		}
	}
	print_stats("tdx_signature_verify (per call, wall)", t, runs, VERIFIES_PER_RUN);
	print_stats("tdx_signature_verify (per call, CPU)", cpu, runs, VERIFIES_PER_RUN);
	return 0;
}

/* fork, exec, wait4: the child's whole life, nothing of a shell in the window. */
static int time_exec(char *const argv[], uint64_t *ret_nsec)
{
	uint64_t t0 = now_nsec();
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
		    dup2(devnull, STDERR_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return negative_errno();
	*ret_nsec = now_nsec() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int bench_exec(const char *what, char *const argv[], unsigned runs)
{
	_cleanup_free_ uint64_t *t = calloc(runs, sizeof(*t));
	int r = 0;

	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < runs; i++) {
		r = time_exec(argv, &t[i]);
		if (r != 0) {
			fprintf(stderr, "bench-signature: %s exited %d\n", argv[0], r);
			return -EIO;
		}
	}
	print_stats(what, t, runs, 1);
	return 0;
}

/* A signed synthetic 1.5.08 image in a temporary file, and the test key trusted. */
static int make_image(char *path)
{
	const struct synth_module_spec spec = {.version = {1, 5, 8}};
	_cleanup_free_ uint8_t *bin = NULL, *img = NULL;
	uint8_t sig[TDX_SIGSTRUCT_SIZE], fp[TDX_SHA256_SIZE];
	char hex[2 * TDX_SHA256_SIZE + 1];
	size_t bin_size, img_size;
	int fd, r;

	r = synth_module_build(&spec, &bin, &bin_size, sig);
	if (r >= 0)
		r = tdx_image_build(TDX_IMAGE_FORMAT_V2, sig, sizeof(sig), bin, bin_size, &img,
				    &img_size, NULL);
	if (r >= 0)
		r = synth_key_fingerprint(fp);
	if (r < 0)
		return r;
	fd = mkstemp(path);
	if (fd < 0)
		return negative_errno();
	close(fd);
	setenv("TDXCTL_TRUSTED_SIGNING_KEYS", tdx_hex(fp, sizeof(fp), hex), 1);
	return tdx_file_write_atomic(path, img, img_size, 0644);
}

int main(int argc, char **argv)
{
	const char *e = getenv("BENCH_RUNS");
	unsigned runs = e ? (unsigned)strtoul(e, NULL, 10) : 9;
	_cleanup_free_ uint8_t *sig = NULL;
	struct tdx_diag diag = {};
	size_t size;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: bench-signature SIGSTRUCT [TDXCTL]\n");
		return 2;
	}
	if (runs == 0)
		runs = 1;
	if (tdx_file_read_all(argv[1], TDX_PAGE_SIZE, &sig, &size, &diag) < 0) {
		fprintf(stderr, "bench-signature: %s: %s\n", argv[1], diag.msg);
		return 1;
	}
	printf("%u runs; in-process figures are per call over %u calls\n", runs, VERIFIES_PER_RUN);
	if (bench_verify(sig, size, runs) < 0)
		return 1;
	if (argc == 3) {
		char image[] = "/tmp/bench-signature.XXXXXX";
		char *floor_argv[] = {"/bin/true", NULL};
		char *info_argv[] = {argv[2], "blob", "info", "--json", image, NULL};
		int r = make_image(image);

		if (r < 0) {
			fprintf(stderr, "bench-signature: cannot make an image: %s\n",
				strerror(-r));
			return 1;
		}
		r = bench_exec("/bin/true (floor, fork+exec+wait4)", floor_argv, runs);
		if (r >= 0)
			r = bench_exec("tdxctl blob info --json (16 KiB image)", info_argv, runs);
		unlink(image);
		if (r < 0)
			return 1;
	}
	return 0;
}
