// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The install policy over Intel's two published mapping files, with a
 * synthetic store holding one module per release: exact reason sets for every
 * store entry under several hosts (running version x P-SEAMLDR x CPU x
 * strict-compat), plus debug, reinstall, unmapped and unreadable images.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy-store.h"

#define CPU	    TDX_REASON_CPU
#define SEAMLDR	    TDX_REASON_SEAMLDR
#define SERIES	    TDX_REASON_SERIES
#define DOWN	    TDX_REASON_DOWNGRADE
#define MIN	    TDX_REASON_MIN_VERSION
#define STRICT	    TDX_REASON_STRICT_COMPAT
#define DEBUG	    TDX_REASON_DEBUG
#define RUNNING	    TDX_REASON_RUNNING
#define NO_MAPPING  TDX_REASON_NO_MAPPING
#define BAD_IMAGE   TDX_REASON_BAD_IMAGE
#define UNKNOWN_LDR TDX_REASON_SEAMLDR_UNKNOWN

struct verdict {
	const char *version;
	uint32_t reasons;
};

struct scenario {
	const char *name;
	const char *mapping;
	const char *running;
	const char *seamldr; /* NULL: unknown (not root) */
	uint32_t cpu;
	bool strict;
	struct verdict expect[24]; /* every release of the mapping, oldest first */
};

/* clang-format off */
/*
 * Row groups of the tables below. Intel's 14c28ce file has twelve 1.5 and
 * eight 2.0 releases, 28a4baa seven and four.
 */
#define ROWS_14C28CE_20(r) \
	{ "2.0.02", r }, { "2.0.04", r }, { "2.0.05", r }, { "2.0.08", r }, \
	{ "2.0.12", r }, { "2.0.14", r }, { "2.0.16", r }, { "2.0.18", r }
#define ROWS_28A4BAA_20(r) { "2.0.02", r }, { "2.0.04", r }, { "2.0.05", r }, { "2.0.08", r }
/* 1.5 releases seen from a 2.0 host with P-SEAMLDR 2.0: 1.5.01 and 1.5.24 list only 1.5.00. */
#define ROWS_14C28CE_15_FROM_GNR \
	{ "1.5.01", SERIES | CPU | DOWN | SEAMLDR }, { "1.5.05", SERIES | CPU | DOWN }, \
	{ "1.5.06", SERIES | CPU | DOWN }, { "1.5.08", SERIES | CPU | DOWN }, \
	{ "1.5.09", SERIES | CPU | DOWN }, { "1.5.13", SERIES | CPU | DOWN }, \
	{ "1.5.16", SERIES | CPU | DOWN }, { "1.5.20", SERIES | CPU | DOWN }, \
	{ "1.5.24", SERIES | CPU | DOWN | SEAMLDR }, { "1.5.25", SERIES | CPU | DOWN }, \
	{ "1.5.28", SERIES | CPU | DOWN }, { "1.5.34", SERIES | CPU | DOWN }

static const struct scenario scenarios[] = {
	{ "14c28ce, 1.5.06, P-SEAMLDR 1.5.00, SPR", MAPPING_14C28CE, "1.5.06", "1.5.00", CPU_SPR, false,
	  { { "1.5.01", DOWN }, { "1.5.05", DOWN }, { "1.5.06", RUNNING }, { "1.5.08", 0 },
	    { "1.5.09", 0 }, { "1.5.13", 0 }, { "1.5.16", 0 }, { "1.5.20", 0 }, { "1.5.24", 0 },
	    /* 1.5.25 lists only P-SEAMLDR 2.0.00 */
	    { "1.5.25", SEAMLDR }, { "1.5.28", 0 }, { "1.5.34", 0 },
	    /* another series, no GNR support, P-SEAMLDR 2.0 only */
	    ROWS_14C28CE_20(SERIES | CPU | SEAMLDR) } },
	{ "14c28ce, 1.5.06, P-SEAMLDR 1.5.00, SPR, strict", MAPPING_14C28CE, "1.5.06", "1.5.00", CPU_SPR, true,
	  /* from 1.5.06 only releases listing 1.5.06, or listing nothing */
	  { { "1.5.01", DOWN }, { "1.5.05", DOWN | STRICT }, { "1.5.06", RUNNING },
	    { "1.5.08", 0 }, { "1.5.09", 0 }, { "1.5.13", 0 }, { "1.5.16", 0 },
	    { "1.5.20", STRICT }, { "1.5.24", STRICT }, { "1.5.25", SEAMLDR | STRICT },
	    { "1.5.28", STRICT }, { "1.5.34", STRICT },
	    ROWS_14C28CE_20(SERIES | CPU | SEAMLDR) } },
	{ "14c28ce, 1.5.16, P-SEAMLDR 2.0.03, SPR, strict", MAPPING_14C28CE, "1.5.16", "2.0.03", CPU_SPR, true,
	  { { "1.5.01", DOWN | SEAMLDR }, { "1.5.05", DOWN | STRICT }, { "1.5.06", DOWN },
	    { "1.5.08", DOWN | STRICT }, { "1.5.09", DOWN }, { "1.5.13", DOWN | STRICT },
	    { "1.5.16", RUNNING }, { "1.5.20", 0 }, { "1.5.24", SEAMLDR }, { "1.5.25", 0 },
	    { "1.5.28", 0 }, { "1.5.34", 0 },
	    ROWS_14C28CE_20(SERIES | CPU) } },
	{ "14c28ce, 2.0.02, P-SEAMLDR 2.0.00, GNR", MAPPING_14C28CE, "2.0.02", "2.0.00", CPU_GNR, false,
	  { ROWS_14C28CE_15_FROM_GNR,
	    /* everything newer needs a running 2.0.04 or later, even 2.0.04 itself */
	    { "2.0.02", RUNNING }, { "2.0.04", MIN }, { "2.0.05", MIN }, { "2.0.08", MIN },
	    { "2.0.12", MIN }, { "2.0.14", MIN }, { "2.0.16", MIN }, { "2.0.18", MIN } } },
	{ "14c28ce, 2.0.08, P-SEAMLDR 2.0.00, GNR-D stepping 3, strict", MAPPING_14C28CE, "2.0.08", "2.0.00", CPU_GNR_D | 3, true,
	  { ROWS_14C28CE_15_FROM_GNR,
	    { "2.0.02", DOWN }, { "2.0.04", DOWN }, { "2.0.05", DOWN | STRICT },
	    { "2.0.08", RUNNING }, { "2.0.12", 0 }, { "2.0.14", 0 }, { "2.0.16", 0 },
	    { "2.0.18", 0 } } },
	{ "14c28ce, 1.5.16, P-SEAMLDR unknown, EMR stepping 3", MAPPING_14C28CE, "1.5.16", NULL, CPU_EMR | 3, false,
	  { { "1.5.01", DOWN | UNKNOWN_LDR }, { "1.5.05", DOWN | UNKNOWN_LDR },
	    { "1.5.06", DOWN | UNKNOWN_LDR }, { "1.5.08", DOWN | UNKNOWN_LDR },
	    { "1.5.09", DOWN | UNKNOWN_LDR }, { "1.5.13", DOWN | UNKNOWN_LDR },
	    { "1.5.16", RUNNING | UNKNOWN_LDR }, { "1.5.20", UNKNOWN_LDR },
	    { "1.5.24", UNKNOWN_LDR }, { "1.5.25", UNKNOWN_LDR }, { "1.5.28", UNKNOWN_LDR },
	    { "1.5.34", UNKNOWN_LDR },
	    ROWS_14C28CE_20(SERIES | CPU | UNKNOWN_LDR) } },
	{ "14c28ce, 1.5.06, P-SEAMLDR 1.5.00, a CPU without TDX", MAPPING_14C28CE, "1.5.06", "1.5.00", CPU_OTHER, false,
	  { { "1.5.01", CPU | DOWN }, { "1.5.05", CPU | DOWN }, { "1.5.06", CPU | RUNNING },
	    { "1.5.08", CPU }, { "1.5.09", CPU }, { "1.5.13", CPU }, { "1.5.16", CPU },
	    { "1.5.20", CPU }, { "1.5.24", CPU }, { "1.5.25", CPU | SEAMLDR }, { "1.5.28", CPU },
	    { "1.5.34", CPU },
	    ROWS_14C28CE_20(SERIES | CPU | SEAMLDR) } },
	/* 28a4baa has no strict_compat_versions at all: the knob changes nothing. */
	{ "28a4baa, 1.5.01, P-SEAMLDR 1.5.00, SRF, strict", MAPPING_28A4BAA, "1.5.01", "1.5.00", CPU_SRF, true,
	  { { "1.5.01", RUNNING }, { "1.5.05", 0 }, { "1.5.06", 0 }, { "1.5.08", 0 },
	    { "1.5.09", 0 }, { "1.5.13", 0 }, { "1.5.16", 0 },
	    ROWS_28A4BAA_20(SERIES | CPU | SEAMLDR) } },
	{ "28a4baa, 1.5.00 (older than every minimum), P-SEAMLDR 1.5.07, SPR", MAPPING_28A4BAA, "1.5.00", "1.5.07", CPU_SPR, false,
	  { { "1.5.01", MIN }, { "1.5.05", MIN }, { "1.5.06", MIN }, { "1.5.08", MIN },
	    { "1.5.09", MIN }, { "1.5.13", MIN }, { "1.5.16", MIN },
	    ROWS_28A4BAA_20(SERIES | CPU | SEAMLDR) } },
	{ "28a4baa, 2.0.04, P-SEAMLDR 1.5.00 (wrong line), GNR", MAPPING_28A4BAA, "2.0.04", "1.5.00", CPU_GNR, false,
	  { { "1.5.01", SERIES | CPU | DOWN }, { "1.5.05", SERIES | CPU | DOWN },
	    { "1.5.06", SERIES | CPU | DOWN }, { "1.5.08", SERIES | CPU | DOWN },
	    { "1.5.09", SERIES | CPU | DOWN }, { "1.5.13", SERIES | CPU | DOWN },
	    { "1.5.16", SERIES | CPU | DOWN }, { "2.0.02", DOWN | SEAMLDR },
	    { "2.0.04", RUNNING | SEAMLDR }, { "2.0.05", SEAMLDR }, { "2.0.08", SEAMLDR } } },
};
/* clang-format on */

struct stores {
	struct test_store s14c28ce;
	struct test_store s28a4baa;
};

static int setup(void **state)
{
	struct stores *st = calloc(1, sizeof(*st));

	if (synth_trusted_keys(&test_keys) < 0)
		return -1;
	if (!st || test_store_from_file(MAPPING_14C28CE, &st->s14c28ce) < 0 ||
	    test_store_from_file(MAPPING_28A4BAA, &st->s28a4baa) < 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct stores *st = *state;

	test_store_done(&st->s14c28ce);
	test_store_done(&st->s28a4baa);
	free(st);
	return 0;
}

static struct tdx_store *store_for(struct stores *st, const char *mapping)
{
	return strcmp(mapping, MAPPING_14C28CE) == 0 ? st->s14c28ce.store : st->s28a4baa.store;
}

static size_t n_expected(const struct scenario *sc)
{
	size_t n = 0;

	while (n < ELEMENTSOF(sc->expect) && sc->expect[n].version)
		n++;
	return n;
}

static void check_scenario(struct stores *st, const struct scenario *sc)
{
	struct tdx_store *store = store_for(st, sc->mapping);
	struct tdx_policy_host host = policy_host(sc->running, sc->seamldr, sc->cpu);
	struct tdx_policy_opts opts = {.trusted_keys = &test_keys, .strict_compat = sc->strict};
	_cleanup_free_ struct tdx_candidate *c = NULL;
	size_t n = 0, want = n_expected(sc);
	char got_keys[TDX_DIAG_MAX], want_keys[TDX_DIAG_MAX], v[TDX_VERSION_STRING_MAX];

	assert_int_equal(tdx_policy_evaluate(store, &host, &opts, &c, &n), 0);
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		/* candidates are newest first, the table oldest first */
		const struct verdict *exp = &sc->expect[want - 1 - i];
		struct tdx_version ev = V(exp->version);

		tdx_version_format(&c[i].entry->version, v);
		if (!tdx_version_equal(&c[i].entry->version, &ev) || c[i].reasons != exp->reasons)
			fail_msg("%s: %s: got {%s}, want %s {%s}", sc->name, v,
				 tdx_reasons_join(c[i].reasons, got_keys), exp->version,
				 tdx_reasons_join(exp->reasons, want_keys));
		/* check_hop gives the same answer as the batch */
		assert_int_equal(tdx_policy_check_hop(c[i].entry, &host.running, &host, &opts),
				 c[i].reasons);
	}
}

static void test_scenarios(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(scenarios); i++)
		check_scenario(*state, &scenarios[i]);
}

/* The newest installable module for a few hosts: what `tdxctl list` shows on top. */
static void test_newest_installable(void **state)
{
	static const struct {
		const char *mapping, *running, *seamldr;
		uint32_t cpu;
		bool strict;
		const char *newest; /* NULL: none */
	} cases[] = {
		{MAPPING_14C28CE, "1.5.06", "1.5.00", CPU_SPR, false, "1.5.34"},
		{MAPPING_14C28CE, "1.5.06", "1.5.00", CPU_SPR, true, "1.5.16"},
		{MAPPING_14C28CE, "1.5.16", "1.5.00", CPU_SPR, true, "1.5.34"},
		{MAPPING_14C28CE, "1.5.28", "2.0.00", CPU_EMR, false, "1.5.34"},
		{MAPPING_14C28CE, "1.5.34", "2.0.00", CPU_EMR, false, NULL},
		{MAPPING_14C28CE, "2.0.02", "2.0.00", CPU_GNR, false, NULL},
		{MAPPING_14C28CE, "2.0.04", "2.0.00", CPU_GNR, true, "2.0.08"},
		{MAPPING_14C28CE, "2.0.04", "2.0.00", CPU_GNR, false, "2.0.18"},
		{MAPPING_14C28CE, "1.5.06", NULL, CPU_SPR, false, NULL},
		{MAPPING_28A4BAA, "1.5.06", "1.5.00", CPU_SPR, true, "1.5.16"},
		{MAPPING_28A4BAA, "2.0.02", "2.0.00", CPU_GNR, false, NULL},
		{MAPPING_28A4BAA, "2.0.05", "2.0.00", CPU_GNR_D, false, "2.0.08"},
	};
	struct stores *st = *state;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct tdx_policy_host host =
			policy_host(cases[i].running, cases[i].seamldr, cases[i].cpu);
		struct tdx_policy_opts opts = {.trusted_keys = &test_keys,
					       .strict_compat = cases[i].strict};
		_cleanup_free_ struct tdx_candidate *c = NULL;
		const struct tdx_store_entry *newest = NULL;
		size_t n;

		assert_int_equal(
			tdx_policy_evaluate(store_for(st, cases[i].mapping), &host, &opts, &c, &n),
			0);
		for (size_t j = 0; j < n && !newest; j++)
			if (c[j].reasons == 0)
				newest = c[j].entry;
		if (!cases[i].newest) {
			assert_null(newest);
			continue;
		}
		assert_non_null(newest);
		struct tdx_version want = V(cases[i].newest);
		assert_true(tdx_version_equal(&newest->version, &want));
	}
}

static void test_reinstall_and_debug(void **state)
{
	struct test_store s = {0};
	struct tdx_policy_host host = policy_host("1.5.06", "1.5.00", CPU_SPR);
	struct tdx_policy_opts opts = {.trusted_keys = &test_keys};
	struct tdx_store_entry *running, *debug;

	assert_int_equal(test_store_from_file_ext(MAPPING_14C28CE, "1.5.08", NULL, &s), 0);
	running = entry_of(&s, "1.5.06");
	debug = entry_of(&s, "1.5.08");
	assert_true(running && debug);

	assert_int_equal(tdx_policy_check_hop(running, &host.running, &host, &opts), RUNNING);
	assert_int_equal(tdx_policy_check_hop(debug, &host.running, &host, &opts), DEBUG);
	assert_true(debug->sig.debug);
	opts.reinstall = true;
	assert_int_equal(tdx_policy_check_hop(running, &host.running, &host, &opts), 0);
	opts.allow_debug = true;
	assert_int_equal(tdx_policy_check_hop(debug, &host.running, &host, &opts), 0);
	/* reinstall never makes an older version acceptable */
	assert_int_equal(tdx_policy_check_hop(running, &debug->version, &host, &opts), DOWN);
	test_store_done(&s);
}

/* ApprovedImages=: only a listed module SHA-384 (the sigstruct SEAMHASH) is installable. */
static void test_site_approval(void **state)
{
	struct test_store s = {0};
	struct tdx_policy_host host = policy_host("1.5.06", "1.5.00", CPU_SPR);
	struct tdx_policy_opts opts = {.trusted_keys = &test_keys};
	struct tdx_store_entry *e08, *e09;
	uint8_t list[2][TDX_SEAMHASH_SIZE] = {};

	assert_int_equal(test_store_from_file_ext(MAPPING_14C28CE, NULL, NULL, &s), 0);
	e08 = entry_of(&s, "1.5.08");
	e09 = entry_of(&s, "1.5.09");
	assert_true(e08 && e09);
	assert_int_equal(tdx_policy_check_hop(e08, &host.running, &host, &opts), 0);
	assert_int_equal(tdx_policy_check_hop(e09, &host.running, &host, &opts), 0);
	memcpy(list[1], e09->sig.seamhash, TDX_SEAMHASH_SIZE);
	opts.approved = (const uint8_t(*)[TDX_SEAMHASH_SIZE])list;
	opts.n_approved = 2;
	assert_int_equal(tdx_policy_check_hop(e08, &host.running, &host, &opts),
			 TDX_REASON_NOT_APPROVED);
	assert_int_equal(tdx_policy_check_hop(e09, &host.running, &host, &opts), 0);
	test_store_done(&s);
}

static void test_unmapped_and_unreadable(void **state)
{
	struct test_store s = {0};
	struct tdx_policy_host host = policy_host("1.5.06", "1.5.00", CPU_SPR);
	struct tdx_policy_opts opts = {.trusted_keys = &test_keys};
	struct tdx_store_entry *unmapped, *broken;

	assert_int_equal(test_store_from_file_ext(MAPPING_28A4BAA, NULL, "1.5.40", &s), 0);
	unmapped = entry_of(&s, "1.5.40");
	broken = entry_of(&s, "1.5.09");
	assert_true(unmapped && broken);
	assert_null(unmapped->release);
	/* newer, right CPU, right series: only the missing mapping entry forbids it */
	assert_int_equal(tdx_policy_check_hop(unmapped, &host.running, &host, &opts), NO_MAPPING);

	/* The sigstruct is read lazily: break the blob after the scan, before the peek. */
	assert_int_equal(broken->sig_state, TDX_SIG_NOT_READ);
	assert_int_equal(truncate(broken->blob_path, 100), 0);
	assert_int_equal(tdx_policy_check_hop(broken, &host.running, &host, &opts), BAD_IMAGE);
	assert_int_equal(broken->sig_state, TDX_SIG_ERROR);
	/* host facts still count on a broken image */
	host.seamldr_known = false;
	assert_int_equal(tdx_policy_check_hop(broken, &host.running, &host, &opts),
			 BAD_IMAGE | UNKNOWN_LDR);
	test_store_done(&s);
}

/* Flips a byte of the signed sigstruct of a blob on disk: the signature no longer verifies. */
static void break_signature(const struct tdx_store_entry *e)
{
	int fd = open(e->blob_path, O_RDWR | O_CLOEXEC);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, TDX_SIGSTRUCT_OFFSET + 20), 1); /* the date */
	b ^= 0x01;
	assert_int_equal(pwrite(fd, &b, 1, TDX_SIGSTRUCT_OFFSET + 20), 1);
	close(fd);
}

/*
 * A listing runs the RSA step only for candidates that nothing else forbids:
 * the others keep an unchecked signature, and a broken one among them is not
 * named (they are refused anyway), while a broken installable one is.
 */
static void test_rsa_only_when_otherwise_allowed(void **state)
{
	struct test_store s = {0};
	struct tdx_policy_host host = policy_host("1.5.06", "1.5.00", CPU_SPR);
	struct tdx_policy_opts opts = {.trusted_keys = &test_keys};
	_cleanup_free_ struct tdx_candidate *c = NULL;
	struct tdx_store_entry *allowed, *other_series;
	size_t n, verified = 0;

	assert_int_equal(test_store_from_file(MAPPING_14C28CE, &s), 0);
	allowed = entry_of(&s, "1.5.20");
	other_series = entry_of(&s, "2.0.08");
	assert_true(allowed && other_series);
	break_signature(allowed);
	break_signature(other_series);

	assert_int_equal(tdx_policy_evaluate(s.store, &host, &opts, &c, &n), 0);
	for (size_t i = 0; i < n; i++) {
		const struct tdx_store_entry *e = c[i].entry;

		assert_int_equal(e->sig_state, TDX_SIG_OK); /* a listing shows every sigstruct */
		if (e == allowed) {
			assert_int_equal(c[i].reasons, TDX_REASON_SIGNATURE);
			assert_int_equal(e->sig.signature.status, TDX_SIGNATURE_MISMATCH);
		} else if (c[i].reasons == 0) {
			assert_int_equal(e->sig.signature.status, TDX_SIGNATURE_VALID);
			verified++;
		} else {
			assert_int_equal(e->sig.signature.status, TDX_SIGNATURE_UNCHECKED);
			assert_false(c[i].reasons & TDX_REASON_SIGNATURE);
		}
	}
	/* 1.5.08 ... 1.5.34 less 1.5.20 (broken) and 1.5.25 (P-SEAMLDR 2.0 only) */
	assert_int_equal(verified, 7);
	assert_int_equal(tdx_policy_check_hop(other_series, &host.running, &host, &opts),
			 SERIES | CPU | SEAMLDR);
	/* Trust needs no RSA: an untrusted key is named for a refused candidate too. */
	opts.trusted_keys = NULL;
	assert_int_equal(tdx_policy_check_hop(other_series, &host.running, &host, &opts),
			 SERIES | CPU | SEAMLDR | TDX_REASON_UNTRUSTED_KEY);
	test_store_done(&s);
}

static void test_reason_strings(void **state)
{
	char buf[TDX_DIAG_MAX];

	for (int i = 0; i < TDX_REASON_COUNT; i++) {
		const char *key = tdx_reason_to_string((enum tdx_reason)(1u << i));

		assert_non_null(key);
		assert_non_null(tdx_reason_describe((enum tdx_reason)(1u << i)));
		/* snake_case, unique */
		assert_int_equal(strspn(key, "abcdefghijklmnopqrstuvwxyz_"), strlen(key));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(key,
						tdx_reason_to_string((enum tdx_reason)(1u << j)));
	}
	assert_null(tdx_reason_to_string(0));
	assert_null(tdx_reason_to_string((enum tdx_reason)(CPU | SEAMLDR)));
	assert_null(tdx_reason_to_string((enum tdx_reason)(1u << TDX_REASON_COUNT)));
	assert_string_equal(tdx_reason_to_string(CPU), "cpu_unsupported");
	assert_string_equal(tdx_reasons_join(0, buf), "");
	assert_string_equal(tdx_reasons_join(CPU | STRICT | UNKNOWN_LDR, buf),
			    "cpu_unsupported, strict_compat, seamldr_unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_newest_installable),
		cmocka_unit_test(test_reinstall_and_debug),
		cmocka_unit_test(test_unmapped_and_unreadable),
		cmocka_unit_test(test_rsa_only_when_otherwise_allowed),
		cmocka_unit_test(test_reason_strings),
		cmocka_unit_test(test_site_approval),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
