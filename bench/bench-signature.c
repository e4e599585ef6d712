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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tdx/hash.h>
#include <tdx/image.h>
#include <tdx/signature.h>

#include "bench-util.h"
#include "synth.h"

#define VERIFIES_PER_RUN 1000u

/* Prints median, min and max per call in microseconds. */
static void print_stats(const char *what, uint64_t *t, unsigned n, double divisor)
{
	struct bench_stats st = bench_stats(t, n, divisor * 1e3);

	printf("%-40s median %9.1f us   min %9.1f   max %9.1f\n", what, st.median, st.min, st.max);
}

static int bench_verify(const uint8_t *sig, size_t size, unsigned runs)
{
	_cleanup_free_ uint64_t *t = calloc(runs, sizeof(*t)), *cpu = calloc(runs, sizeof(*cpu));
	struct tdx_signature s;

	if (!t || !cpu)
		return -ENOMEM;
	for (unsigned r = 0; r < runs; r++) {
		uint64_t t0 = bench_now_nsec(), c0 = bench_cpu_nsec();

		for (unsigned i = 0; i < VERIFIES_PER_RUN; i++)
			tdx_signature_verify(sig, size, &s);
		t[r] = bench_now_nsec() - t0;
		cpu[r] = bench_cpu_nsec() - c0;
		if (s.status != TDX_SIGNATURE_VALID) {
			fprintf(stderr, "bench-signature: the sigstruct does not verify\n");
			return -EBADMSG;
		}
	}
	print_stats("tdx_signature_verify (per call, wall)", t, runs, VERIFIES_PER_RUN);
	print_stats("tdx_signature_verify (per call, CPU)", cpu, runs, VERIFIES_PER_RUN);
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
	unsigned runs = bench_runs(9);
	_cleanup_free_ uint8_t *sig = NULL;
	struct tdx_diag diag = {};
	size_t size;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: bench-signature SIGSTRUCT [TDXCTL]\n");
		return 2;
	}
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
		int64_t r = make_image(image);

		if (r < 0) {
			fprintf(stderr, "bench-signature: cannot make an image: %s\n",
				strerror((int)-r));
			return 1;
		}
		r = bench_exec_print("/bin/true (floor, fork+exec+wait4)", floor_argv, runs);
		if (r >= 0)
			r = bench_exec_print("tdxctl blob info --json (16 KiB image)", info_argv,
					     runs);
		unlink(image);
		if (r < 0)
			return 1;
	}
	return 0;
}
