/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the C benchmarks share: clocks, a fork/exec/wait4 timer whose window
 * holds the child's whole life and nothing of a shell, and median/min/max.
 * The timer also returns the child's CPU time (from wait4's rusage), which a
 * loaded machine stretches far less than wall time. Header-only: each bench
 * is one executable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tdx/macro.h>

static inline uint64_t bench_now_nsec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_timeval_nsec(const struct timeval *tv)
{
	return ((uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec) * 1000u;
}

static inline uint64_t bench_rusage_cpu_nsec(const struct rusage *ru)
{
	return bench_timeval_nsec(&ru->ru_utime) + bench_timeval_nsec(&ru->ru_stime);
}

/* CPU time (user + system) of this process so far. */
static inline uint64_t bench_cpu_nsec(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) < 0 ? 0 : bench_rusage_cpu_nsec(&ru);
}

static inline long bench_peak_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* One run of a child: wall time from before fork to after wait4, and its CPU time. */
struct bench_sample {
	uint64_t wall_nsec;
	uint64_t cpu_nsec;
	uint64_t end_nsec; /* CLOCK_MONOTONIC when wait4 returned */
};

/*
 * fork, execv(argv), wait4. stdout and stderr go to /dev/null. Returns the
 * exit status (128 + signal when killed), or a negative errno when the fork
 * or the wait failed; 127 when the exec failed.
 */
static inline int bench_exec(char *const argv[], struct bench_sample *ret)
{
	uint64_t t0 = bench_now_nsec(), end;
	struct rusage ru;
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
		    dup2(devnull, STDERR_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return -errno;
	end = bench_now_nsec();
	*ret = (struct bench_sample){end - t0, bench_rusage_cpu_nsec(&ru), end};
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

struct bench_stats {
	double median, min, max; /* in the unit asked for */
};

/* Sorts t (n > 0) and returns median, min and max divided by divisor. */
static inline struct bench_stats bench_stats(uint64_t *t, size_t n, double divisor)
{
	qsort(t, n, sizeof(*t), bench_cmp_u64);
	return (struct bench_stats){t[n / 2] / divisor, t[0] / divisor, t[n - 1] / divisor};
}

/* BENCH_RUNS, or def; at least 1. */
static inline unsigned bench_runs(unsigned def)
{
	const char *e = getenv("BENCH_RUNS");
	unsigned long n = e ? strtoul(e, NULL, 10) : def;

	return n == 0 ? 1 : (unsigned)n;
}

/*
 * Runs argv runs times and prints wall and CPU median/min/max in ms under
 * the label what. Returns the median wall time in ns, or a negative errno
 * (-EIO when the child exited non-zero).
 */
static inline int64_t bench_exec_print(const char *what, char *const argv[], unsigned runs)
{
	_cleanup_free_ uint64_t *wall = calloc(runs, sizeof(*wall));
	_cleanup_free_ uint64_t *cpu = calloc(runs, sizeof(*cpu));
	struct bench_stats w, c;

	if (!wall || !cpu)
		return -ENOMEM;
	for (unsigned i = 0; i < runs; i++) {
		struct bench_sample s = {};
		int r = bench_exec(argv, &s);

		if (r < 0)
			return r;
		if (r != 0) {
			fprintf(stderr, "bench: %s exited %d\n", argv[0], r);
			return -EIO;
		}
		wall[i] = s.wall_nsec;
		cpu[i] = s.cpu_nsec;
	}
	w = bench_stats(wall, runs, 1e6);
	c = bench_stats(cpu, runs, 1e6);
	printf("%-52s wall median %8.2f ms (min %8.2f, max %8.2f)  CPU median %8.2f ms  "
	       "(%u runs)\n",
	       what, w.median, w.min, w.max, c.median, runs);
	return (int64_t)(w.median * 1e6);
}
