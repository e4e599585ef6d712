// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A fork/exec/wait4 timer for shell benchmarks (bench-vm-update's guest):
 * runs COMMAND once with stdout and stderr to /dev/null and prints one line
 *   wall_us W cpu_us C end_ns E exit S
 * W: from before fork to after wait4 (nothing of a shell inside the window);
 * C: the child's user + system time (wait4's rusage); E: CLOCK_MONOTONIC
 * when wait4 returned, to compare with a kernel timestamp (tdx_host_sim's
 * completed_ns). Exits 0 when the timing worked, whatever COMMAND returned.
 *   bench-exec COMMAND [ARGS...]
 */
#include <stdio.h>
#include <string.h>

#include "bench-util.h"

int main(int argc, char **argv)
{
	struct bench_sample s = {};
	int status;

	if (argc < 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: bench-exec /ABSOLUTE/COMMAND [ARGS...]\n");
		return 2;
	}
	status = bench_exec(argv + 1, &s);
	if (status < 0) {
		fprintf(stderr, "bench-exec: %s\n", strerror(-status));
		return 1;
	}
	printf("wall_us %llu cpu_us %llu end_ns %llu exit %d\n",
	       (unsigned long long)(s.wall_nsec / 1000), (unsigned long long)(s.cpu_nsec / 1000),
	       (unsigned long long)s.end_nsec, status);
	return 0;
}
