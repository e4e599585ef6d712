// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The planner: multi-hop chains forced by min_module_version_for_td_preserving
 * and by strict_compat_versions, the budget, every error code with its
 * message, re-install; and parity with Intel's reference selection
 * (version_select_and_load.py), encoded independently below.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/plan.h>
#include "policy-store.h"

#define RELEASE(v, min)                                                                     \
	"{ \"version\": \"" v "\", \"min_module_version_for_td_preserving\": \"" min "\", " \
	"\"min_seamldr_versions\": [ \"1.5.00\", \"2.0.00\" ], \"tdx_feature0\": \"0x2\" }"

/*
 * A catalog where hops are needed: 1.5.08 and 1.5.20 take over only from
 * 1.5.06 on, 1.5.24 only from 1.5.20 on.
 */
/* clang-format off */
static const char chain_mapping[] =
	"{ \"Header\": { \"Version\": \"1.0\" }, \"tdx_module_releases\": [ "
	RELEASE("1.5.01", "1.5.01") ", "
	RELEASE("1.5.06", "1.5.01") ", "
	RELEASE("1.5.07", "1.5.01") ", "
	RELEASE("1.5.08", "1.5.06") ", "
	RELEASE("1.5.20", "1.5.06") ", "
	RELEASE("1.5.24", "1.5.20") ", "
	RELEASE("2.0.02", "2.0.02") " ] }";
/* clang-format on */

struct stores {
	struct test_store chain;
	struct test_store s14c28ce;
	struct test_store s28a4baa;
};

static int setup(void **state)
{
	struct stores *st = calloc(1, sizeof(*st));

	if (synth_trusted_keys(&test_keys) < 0)
		return -1;
	if (!st || test_store_make(chain_mapping, &st->chain) < 0 ||
	    test_store_from_file(MAPPING_14C28CE, &st->s14c28ce) < 0 ||
	    test_store_from_file(MAPPING_28A4BAA, &st->s28a4baa) < 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct stores *st = *state;

	test_store_done(&st->chain);
	test_store_done(&st->s14c28ce);
	test_store_done(&st->s28a4baa);
	free(st);
	return 0;
}

enum { O_NONE = 0, O_STRICT = 1 << 0, O_REINSTALL = 1 << 1 };

struct plan_case {
	const char *running;
	const char *seamldr;
	uint32_t cpu;
	unsigned opts;	    /* O_* */
	const char *target; /* NULL: newest */
	unsigned budget;
	int ret;
	const char *expect; /* ret == 0: the hops ("1.5.07 1.5.20"); else the exact diag */
};

static void format_hops(const struct tdx_plan *p, char *buf, size_t size)
{
	char v[TDX_VERSION_STRING_MAX];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_hops && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "",
					tdx_version_format(&p->hops[i]->version, v));
}

static void run_case(struct tdx_store *store, const struct plan_case *c)
{
	struct tdx_policy_host host = policy_host(c->running, c->seamldr, c->cpu);
	struct tdx_version target = c->target ? V(c->target) : (struct tdx_version){0};
	struct tdx_plan plan = {.n_hops = 4242};
	struct tdx_diag diag = {"untouched"};
	struct tdx_policy_opts opts = {.trusted_keys = &test_keys,
				       .strict_compat = c->opts & O_STRICT,
				       .reinstall = c->opts & O_REINSTALL};
	char hops[TDX_DIAG_MAX];
	int r;

	r = tdx_plan_compute(store, &host, &opts, c->target ? &target : NULL, c->budget, &plan,
			     &diag);
	if (r != c->ret)
		fail_msg("%s -> %s budget %u: got %d (%s), want %d", c->running,
			 c->target ?: "newest", c->budget, r, diag.msg, c->ret);
	if (r < 0) {
		assert_string_equal(diag.msg, c->expect);
		assert_int_equal(plan.n_hops, 4242); /* output untouched on failure */
		return;
	}
	format_hops(&plan, hops, sizeof(hops));
	assert_string_equal(hops, c->expect);
	assert_true(tdx_version_equal(&plan.from, &host.running));
	tdx_plan_done(&plan);
	assert_null(plan.hops);
}

static const struct tdx_policy_opts no_opts = {.trusted_keys = &test_keys};
static const struct tdx_policy_opts strict = {.trusted_keys = &test_keys, .strict_compat = true};
static const struct tdx_policy_opts reinstall = {.trusted_keys = &test_keys, .reinstall = true};

static void test_chain_catalog(void **state)
{
	static const struct plan_case cases[] = {
		/* newest: 1.5.24 needs 1.5.20 which needs 1.5.06 or later; 1.5.07 is the newer */
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, NULL, 9, 0, "1.5.07 1.5.20 1.5.24"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, NULL, 3, 0, "1.5.07 1.5.20 1.5.24"},
		/* the budget caps how far the newest-within-budget goes */
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, NULL, 2, 0, "1.5.07 1.5.20"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, NULL, 1, 0, "1.5.07"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, NULL, 0, -ENOSPC,
		 "1.5.24 needs a running module of at least 1.5.20; the shortest path 1.5.01 -> "
		 "1.5.07 -> 1.5.20 -> 1.5.24 needs 3 updates, 0 allowed"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, "1.5.20", 1, -ENOSPC,
		 "1.5.20 needs a running module of at least 1.5.06; the shortest path 1.5.01 -> "
		 "1.5.07 -> 1.5.20 needs 2 updates, 1 allowed"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, "1.5.06", 0, -ENOSPC,
		 "the shortest path 1.5.01 -> 1.5.06 needs 1 update, 0 allowed"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, "1.5.20", 2, 0, "1.5.07 1.5.20"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, "1.5.08", 5, 0, "1.5.07 1.5.08"},
		/* an older target that is allowed directly stays one hop */
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, "1.5.06", 1, 0, "1.5.06"},
		{"1.5.06", "1.5.00", CPU_SPR, O_NONE, "1.5.24", 9, 0, "1.5.20 1.5.24"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, "1.5.99", 9, -ENOENT,
		 "1.5.99 is not in the store"},
		{"1.5.01", "1.5.00", CPU_SPR, O_NONE, "2.0.02", 9, -EPERM,
		 "2.0.02 cannot be installed on this host (running 1.5.01): cpu_unsupported, "
		 "series_mismatch"},
		{"1.5.08", "1.5.00", CPU_SPR, O_NONE, "1.5.07", 9, -EPERM,
		 "1.5.07 cannot be installed on this host (running 1.5.08): downgrade"},
		{"1.5.01", "1.5.00", CPU_OTHER, O_NONE, "1.5.24", 9, -EPERM,
		 "1.5.24 cannot be installed on this host (running 1.5.01): cpu_unsupported"},
		{"1.5.01", NULL, CPU_SPR, O_NONE, "1.5.06", 9, -EPERM,
		 "1.5.06 cannot be installed on this host (running 1.5.01): seamldr_unknown"},
		{"1.5.24", "1.5.00", CPU_SPR, O_NONE, NULL, 9, -EALREADY,
		 "already up to date: 1.5.24 is running and no newer module in the store can be "
		 "installed"},
		/* an unknown P-SEAMLDR never looks like up to date (issue 7) */
		{"1.5.01", NULL, CPU_SPR, O_NONE, NULL, 9, -ENODATA,
		 "the P-SEAMLDR version is unknown (unreadable or invalid), so whether 1.5.24 or "
		 "older can be installed cannot be decided"},
		{"1.5.06", "1.5.00", CPU_SPR, O_NONE, "1.5.06", 9, -EALREADY,
		 "1.5.06 is already running"},
		/* re-install: one hop, only on request, only within the budget */
		{"1.5.06", "1.5.00", CPU_SPR, O_REINSTALL, "1.5.06", 1, 0, "1.5.06"},
		{"1.5.06", "1.5.00", CPU_SPR, O_REINSTALL, "1.5.06", 0, -ENOSPC,
		 "re-installing 1.5.06 needs 1 update, 0 allowed"},
		{"1.5.24", "1.5.00", CPU_SPR, O_REINSTALL, NULL, 9, 0, "1.5.24"},
		{"1.5.05", "1.5.00", CPU_SPR, O_REINSTALL, "1.5.05", 1, -ENOENT,
		 "1.5.05 (running, to re-install) is not in the store"},
		{"1.5.06", NULL, CPU_SPR, O_REINSTALL, "1.5.06", 1, -EPERM,
		 "1.5.06 cannot be installed on this host (running 1.5.06): seamldr_unknown"},
		/* reinstall never leaks into a chain: newest still skips the running version */
		{"1.5.01", "1.5.00", CPU_SPR, O_REINSTALL, NULL, 9, 0, "1.5.07 1.5.20 1.5.24"},
		/* a running version missing from the store is a fine starting point */
		{"1.5.05", "1.5.00", CPU_SPR, O_NONE, NULL, 9, 0, "1.5.07 1.5.20 1.5.24"},
	};
	struct stores *st = *state;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		run_case(st->chain.store, &cases[i]);
}

static void test_real_catalog(void **state)
{
	static const struct plan_case cases[] = {
		{"1.5.06", "1.5.00", CPU_SPR, O_NONE, NULL, 9, 0, "1.5.34"},
		/* strict: 1.5.34 lists 1.5.16..1.5.28, and from 1.5.06 only 1.5.16 of those */
		{"1.5.06", "1.5.00", CPU_SPR, O_STRICT, "1.5.34", 9, 0, "1.5.16 1.5.34"},
		{"1.5.06", "1.5.00", CPU_SPR, O_STRICT, NULL, 9, 0, "1.5.16 1.5.34"},
		{"1.5.06", "1.5.00", CPU_SPR, O_STRICT, NULL, 1, 0, "1.5.16"},
		{"1.5.06", "1.5.00", CPU_SPR, O_STRICT, "1.5.34", 1, -ENOSPC,
		 "1.5.34 is not strictly compatible from 1.5.06 (5 versions listed); the shortest "
		 "path 1.5.06 -> 1.5.16 -> 1.5.34 needs 2 updates, 1 allowed"},
		{"1.5.01", "1.5.00", CPU_EMR, O_STRICT, "1.5.34", 9, 0, "1.5.16 1.5.34"},
		/* 1.5.25 needs P-SEAMLDR 2.0; 1.5.24 (which it lists) needs 1.5 */
		{"1.5.06", "2.0.00", CPU_SPR, O_STRICT, "1.5.25", 9, 0, "1.5.16 1.5.25"},
		{"1.5.06", "1.5.00", CPU_SPR, O_STRICT, "1.5.25", 9, -EPERM,
		 "1.5.25 cannot be installed on this host (running 1.5.06): seamldr_unsupported"},
		{"2.0.08", "2.0.00", CPU_GNR, O_STRICT, NULL, 9, 0, "2.0.18"},
		{"2.0.05", "2.0.00", CPU_GNR, O_STRICT, "2.0.18", 9, 0, "2.0.08 2.0.18"},
		/* 2.0.02 is a dead end: every newer 2.0 needs 2.0.04 running, 2.0.04 too */
		{"2.0.02", "2.0.00", CPU_GNR, O_NONE, "2.0.08", 9, -EXDEV,
		 "no chain of allowed updates leads from 2.0.02 to 2.0.08 (directly: "
		 "below_min_version; 2.0.08 needs a running module of at least 2.0.04)"},
		{"2.0.02", "2.0.00", CPU_GNR, O_NONE, NULL, 9, -EALREADY,
		 "already up to date: 2.0.02 is running and no newer module in the store can be "
		 "installed (newest in the series: 2.0.18, below_min_version)"},
		{"1.5.06", "1.5.00", CPU_SPR, O_STRICT, "1.5.13", 9, 0, "1.5.13"},
	};
	struct stores *st = *state;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		run_case(st->s14c28ce.store, &cases[i]);
}

/* A store whose mapping lists nothing and which holds no image. */
static void test_empty_store(void **state)
{
	struct tdx_policy_host host = policy_host("1.5.06", "1.5.00", CPU_SPR);
	struct tdx_version v0806 = V("1.5.06");
	_cleanup_free_ struct tdx_candidate *c = NULL;
	struct test_store s = {0};
	struct tdx_diag diag;
	struct tdx_plan plan;
	size_t n = 99;

	assert_int_equal(test_store_make("{ \"tdx_module_releases\": [ ] }", &s), 0);
	assert_int_equal(tdx_policy_evaluate(s.store, &host, &no_opts, &c, &n), 0);
	assert_non_null(c);
	assert_int_equal(n, 0);
	assert_int_equal(tdx_plan_compute(s.store, &host, &no_opts, NULL, 5, &plan, &diag),
			 -EALREADY);
	assert_int_equal(tdx_plan_compute(s.store, &host, &reinstall, &v0806, 5, &plan, &diag),
			 -ENOENT);
	test_store_done(&s);
}

/*
 * A plan reads the sigstructs of the candidates that pass the rules needing
 * no file (mapping, P-SEAMLDR, direction, hand-off) and of no other.
 */
static void test_plan_reads_only_possible_hops(void **state)
{
	struct tdx_policy_host host = policy_host("1.5.06", "1.5.00", CPU_SPR);
	struct tdx_policy_opts opts = {.trusted_keys = &test_keys};
	struct test_store s = {0};
	struct tdx_plan plan;
	size_t read = 0;

	assert_int_equal(test_store_from_file(MAPPING_14C28CE, &s), 0);
	assert_int_equal(tdx_plan_compute(s.store, &host, &opts, NULL, 9, &plan, NULL), 0);
	assert_int_equal(plan.n_hops, 1);
	for (size_t i = 0; i < s.store->n_entries; i++) {
		const struct tdx_store_entry *e = &s.store->entries[i];
		bool possible = tdx_version_same_series(&e->version, &host.running) &&
				tdx_version_compare(&e->version, &host.running) > 0 &&
				!tdx_version_equal(&e->version, &(struct tdx_version){1, 5, 25});

		/* 1.5.25 needs P-SEAMLDR 2.0; 2.0.x is another series; older ones are older */
		if (!possible)
			assert_int_equal(e->sig_state, TDX_SIG_NOT_READ);
		else if (e->sig_state != TDX_SIG_NOT_READ) {
			assert_int_equal(e->sig.signature.status, TDX_SIGNATURE_VALID);
			read++;
		}
	}
	/* 1.5.34, the newest, takes over from 1.5.06: one hop, nothing in between is read */
	assert_int_equal(read, 1);
	tdx_plan_done(&plan);
	test_store_done(&s);
}

/*
 * When the running version may go straight to the target (or, for the
 * newest, to the newest of the series), the images in between are not read:
 * each is a file read and an RSA check, and they cannot change a one-hop plan.
 */
static void test_one_hop_reads_only_the_target(void **state)
{
	struct tdx_policy_host host = policy_host("1.5.06", "1.5.00", CPU_SPR);
	struct tdx_policy_opts opts = {.trusted_keys = &test_keys};
	const char *const targets[] = {"1.5.24", NULL};
	char hops[TDX_DIAG_MAX];

	for (size_t k = 0; k < ELEMENTSOF(targets); k++) {
		struct tdx_version target = targets[k] ? V(targets[k]) : (struct tdx_version){0};
		struct test_store s = {0};
		struct tdx_plan plan;
		size_t read = 0;

		/* 1.5.24 takes over from 1.5.06: one hop; and it is the newest of 1.5 */
		assert_int_equal(
			test_store_make(
				"{ \"tdx_module_releases\": [ " RELEASE(
					"1.5.08",
					"1.5.01") ", " RELEASE("1.5.20",
							       "1.5.01") ", " RELEASE("1.5.24",
										      "1.5.06") " ]"
												" "
												"}",
				&s),
			0);
		assert_int_equal(tdx_plan_compute(s.store, &host, &opts,
						  targets[k] ? &target : NULL, 9, &plan, NULL),
				 0);
		format_hops(&plan, hops, sizeof(hops));
		assert_string_equal(hops, "1.5.24");
		for (size_t i = 0; i < s.store->n_entries; i++)
			if (s.store->entries[i].sig_state != TDX_SIG_NOT_READ)
				read++;
		assert_int_equal(read, 1);
		assert_int_equal(plan.hops[0]->sig.signature.status, TDX_SIGNATURE_VALID);
		tdx_plan_done(&plan);
		test_store_done(&s);
	}
}

static void test_hop_descriptions(void **state)
{
	struct stores *st = *state;
	struct tdx_policy_host host = policy_host("1.5.01", "1.5.00", CPU_SPR);
	struct tdx_version v0806 = V("1.5.06"), v0834 = V("1.5.34");
	struct tdx_plan plan;
	char buf[TDX_DIAG_MAX];

	assert_int_equal(tdx_plan_compute(st->chain.store, &host, &no_opts, NULL, 9, &plan, NULL),
			 0);
	assert_int_equal(plan.n_hops, 3);
	assert_string_equal(tdx_plan_describe_hop(&plan, 0, buf),
			    "needed: 1.5.20 needs a running module of at least 1.5.06");
	assert_string_equal(tdx_plan_describe_hop(&plan, 1, buf),
			    "needed: 1.5.24 needs a running module of at least 1.5.20");
	assert_string_equal(tdx_plan_describe_hop(&plan, 2, buf), "target");
	assert_string_equal(tdx_plan_describe_hop(&plan, 3, buf), "");
	tdx_plan_done(&plan);

	host.running = v0806;
	assert_int_equal(
		tdx_plan_compute(st->s14c28ce.store, &host, &strict, &v0834, 9, &plan, NULL), 0);
	assert_string_equal(tdx_plan_describe_hop(&plan, 0, buf),
			    "needed: 1.5.34 is not strictly compatible from 1.5.06 (5 versions "
			    "listed)");
	tdx_plan_done(&plan);

	assert_int_equal(
		tdx_plan_compute(st->s14c28ce.store, &host, &reinstall, &v0806, 1, &plan, NULL), 0);
	assert_string_equal(tdx_plan_describe_hop(&plan, 0, buf), "reinstall");
	tdx_plan_done(&plan);
}

/*
 * Intel's version_select_and_load.py, `--update` without a version, written
 * from its description (research tdx-module-binaries.md 2.4-2.8): the newest
 * "TD-preserving capable" module (same major.minor, update >= running update,
 * min_module_version_for_td_preserving's *update field* <= running update,
 * not debug) is picked by update number, and only then checked against CPU
 * and P-SEAMLDR; if that check fails the script stops ("incompatible
 * module"). The running version counts as capable.
 */
enum ref_kind { REF_NONE, REF_REFUSE, REF_INSTALL };

struct ref_result {
	enum ref_kind kind;
	const struct tdx_store_entry *module;
};

static bool ref_seamldr_ok(const struct tdx_release *r, const struct tdx_policy_host *h)
{
	if (!h->seamldr_known)
		return false; /* the script's read fails: "incompatible" */
	for (size_t i = 0; i < r->n_min_seamldr; i++)
		if (r->min_seamldr[i].major == h->seamldr.major &&
		    r->min_seamldr[i].minor == h->seamldr.minor &&
		    r->min_seamldr[i].update <= h->seamldr.update)
			return true;
	return false;
}

static bool ref_cpu_ok(const struct tdx_store_entry *e, uint32_t cpu)
{
	for (uint32_t i = 0; i < e->sig.cpuid_count; i++)
		if ((e->sig.cpuid_table[i] & 0xfffffff0u) == (cpu & 0xfffffff0u))
			return true;
	return false;
}

static struct ref_result ref_select(struct tdx_store *s, const struct tdx_policy_host *h)
{
	const struct tdx_version *cur = &h->running;
	const struct tdx_store_entry *best = NULL;

	for (size_t i = 0; i < s->n_entries; i++) {
		struct tdx_store_entry *e = &s->entries[i];

		if (!e->release || tdx_store_entry_peek(e, NULL) < 0 || e->sig.debug)
			continue;
		if (e->version.major == cur->major && e->version.minor == cur->minor &&
		    e->version.update >= cur->update &&
		    e->release->min_td_preserving.update <= cur->update &&
		    (!best || e->version.update > best->version.update))
			best = e;
	}
	if (!best)
		return (struct ref_result){REF_NONE, NULL};
	if (!ref_seamldr_ok(best->release, h) || !ref_cpu_ok(best, h->cpu_signature))
		return (struct ref_result){REF_REFUSE, best};
	return (struct ref_result){REF_INSTALL, best};
}

/* How often each outcome of the comparison was seen. */
struct parity_counts {
	unsigned same;	       /* both install the same module in one hop */
	unsigned same_none;    /* neither installs anything */
	unsigned no_reinstall; /* script re-installs the running version; we say up to date */
	unsigned
		filter_first; /* script refuses its pick; we pick an older compatible one or none */
	unsigned multi_hop;   /* script is stuck or picks older; we reach a newer one in hops */
};

static void compare_with_reference(struct tdx_store *s, const struct tdx_policy_host *h,
				   struct parity_counts *n)
{
	struct ref_result ref = ref_select(s, h);
	struct tdx_plan plan = {0};
	const struct tdx_store_entry *ours = NULL;
	int r = tdx_plan_compute(s, h, &no_opts, NULL, 100, &plan, NULL);

	/* the script's "nothing to install" is our -ENODATA when the P-SEAMLDR is unknown */
	if (r == -ENODATA && !h->seamldr_known)
		r = -EALREADY;
	assert_true(r == 0 || r == -EALREADY);
	if (r == 0)
		ours = plan.hops[plan.n_hops - 1];
	if (ours && plan.n_hops > 1) {
		/* Difference: multi-hop. Only where the script cannot get this far. */
		assert_true(ref.kind != REF_INSTALL ||
			    tdx_version_compare(&ours->version, &ref.module->version) > 0);
		n->multi_hop++;
	} else if (ref.kind == REF_INSTALL &&
		   !tdx_version_equal(&ref.module->version, &h->running)) {
		assert_ptr_equal(ours, ref.module);
		n->same++;
	} else if (ref.kind == REF_INSTALL) {
		/* Difference: the script burns an update slot re-installing the running module. */
		assert_int_equal(r, -EALREADY);
		n->no_reinstall++;
	} else if (ref.kind == REF_REFUSE) {
		/* Difference: we filter CPU and P-SEAMLDR before choosing the newest. */
		assert_true(tdx_policy_check_hop((struct tdx_store_entry *)ref.module, &h->running,
						 h, &no_opts) &
			    (TDX_REASON_CPU | TDX_REASON_SEAMLDR | TDX_REASON_SEAMLDR_UNKNOWN));
		assert_true(!ours || tdx_version_compare(&ours->version, &ref.module->version) < 0);
		n->filter_first++;
	} else {
		assert_int_equal(r, -EALREADY);
		n->same_none++;
	}
	tdx_plan_done(&plan);
}

static void parity_for_running(struct tdx_store *s, const char *running, struct parity_counts *n)
{
	static const char *const seamldrs[] = {"1.5.00", "1.5.07", "2.0.00", NULL};
	static const uint32_t cpus[] = {CPU_SPR, CPU_EMR | 1, CPU_SRF,
					CPU_GNR, CPU_GNR_D,   CPU_OTHER};

	for (size_t l = 0; l < ELEMENTSOF(seamldrs); l++)
		for (size_t c = 0; c < ELEMENTSOF(cpus); c++) {
			struct tdx_policy_host h = policy_host(running, seamldrs[l], cpus[c]);

			compare_with_reference(s, &h, n);
		}
}

/* Every store version as the running one, and a few that are not in any store. */
static void parity_over(struct tdx_store *s, struct parity_counts *n)
{
	static const char *const not_in_store[] = {"1.5.00", "1.5.03", "2.0.03", "1.4.02"};
	char running[TDX_VERSION_STRING_MAX];

	for (size_t v = 0; v < s->n_entries; v++)
		parity_for_running(s, tdx_version_format(&s->entries[v].version, running), n);
	for (size_t v = 0; v < ELEMENTSOF(not_in_store); v++)
		parity_for_running(s, not_in_store[v], n);
}

static void test_intel_reference_parity(void **state)
{
	struct stores *st = *state;
	struct parity_counts real = {0}, chain = {0};

	parity_over(st->s14c28ce.store, &real);
	parity_over(st->s28a4baa.store, &real);
	/* Every kind of agreement and every documented difference shows up in the real data. */
	assert_true(real.same > 0);
	assert_true(real.same_none > 0);
	assert_true(real.no_reinstall > 0);
	assert_true(real.filter_first > 0);
	/* Intel's minimums never force a chain without strict mode. */
	assert_int_equal(real.multi_hop, 0);

	parity_over(st->chain.store, &chain);
	assert_true(chain.multi_hop > 0);
	assert_true(chain.same > 0);
	print_message("parity: real files %u same, %u none, %u no-reinstall, %u filter-first; "
		      "chain catalog %u multi-hop\n",
		      real.same, real.same_none, real.no_reinstall, real.filter_first,
		      chain.multi_hop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_catalog),
		cmocka_unit_test(test_real_catalog),
		cmocka_unit_test(test_empty_store),
		cmocka_unit_test(test_plan_reads_only_possible_hops),
		cmocka_unit_test(test_one_hop_reads_only_the_target),
		cmocka_unit_test(test_hop_descriptions),
		cmocka_unit_test(test_intel_reference_parity),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
