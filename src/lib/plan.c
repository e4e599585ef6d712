// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The planner: the fewest allowed hops from the running version to a target.
 *
 * A hop X -> Y is allowed when tdx_policy_check_hop(Y, from = X) finds no
 * reason, with reinstall off: an intermediate hop never re-installs a
 * version. With reinstall off the policy only allows strictly newer versions
 * of the running series (SERIES, DOWNGRADE, RUNNING), so the hop graph is
 * acyclic and ordered by version; distances are computed by dynamic
 * programming over the store in ascending order instead of a queue.
 *
 * Among equally short chains the one whose first hop is newest wins, then the
 * newest second hop, and so on: deterministic, and the newest module is
 * running for as long as possible should the plan stop half way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <tdx/plan.h>

#define UNREACHABLE ((size_t)-1)

struct planner {
	struct tdx_store *store;
	const struct tdx_policy_host *host;
	struct tdx_policy_opts hop_opts; /* the caller's options with reinstall off */
	struct tdx_version running;
	/* Store indices of the possible hop targets: newer, same series as running. */
	size_t *nodes;
	size_t n_nodes;
	size_t *fdist; /* hops from running to nodes[i], UNREACHABLE if none */
	size_t *rdist; /* hops from nodes[i] to the target */
};

static void planner_done(struct planner *pl)
{
	free(pl->nodes);
	free(pl->fdist);
	free(pl->rdist);
}

static struct tdx_store_entry *node_entry(const struct planner *pl, size_t i)
{
	return &pl->store->entries[pl->nodes[i]];
}

/* from_node == n_nodes stands for the running version. */
static bool hop_allowed(const struct planner *pl, size_t from_node, size_t to_node)
{
	const struct tdx_version *from =
		from_node == pl->n_nodes ? &pl->running : &node_entry(pl, from_node)->version;

	return tdx_policy_hop_allowed(node_entry(pl, to_node), from, pl->host, &pl->hop_opts);
}

/*
 * Entries of other series, older ones and the running one are refused by the
 * policy as hop targets anyway (SERIES, DOWNGRADE, RUNNING); leaving them out
 * of the graph only saves work.
 */
static int planner_init(struct planner *pl, struct tdx_store *store,
			const struct tdx_policy_host *host, const struct tdx_policy_opts *opts)
{
	*pl = (struct planner){.store = store, .host = host, .running = host->running};
	if (opts)
		pl->hop_opts = *opts;
	pl->hop_opts.reinstall = false;

	pl->nodes = calloc(store->n_entries + 1, sizeof(size_t));
	pl->fdist = calloc(store->n_entries + 1, sizeof(size_t));
	pl->rdist = calloc(store->n_entries + 1, sizeof(size_t));
	if (!pl->nodes || !pl->fdist || !pl->rdist)
		return -ENOMEM;
	for (size_t i = 0; i < store->n_entries; i++) {
		const struct tdx_version *v = &store->entries[i].version;

		if (tdx_version_same_series(v, &pl->running) &&
		    tdx_version_compare(v, &pl->running) > 0)
			pl->nodes[pl->n_nodes++] = i;
	}
	return 0;
}

/* Forward distances in ascending version order (the graph only goes up). */
static void compute_fdist(struct planner *pl)
{
	for (size_t j = 0; j < pl->n_nodes; j++) {
		pl->fdist[j] = hop_allowed(pl, pl->n_nodes, j) ? 1 : UNREACHABLE;
		for (size_t i = 0; i < j && pl->fdist[j] != 1; i++) {
			if (pl->fdist[i] == UNREACHABLE || pl->fdist[i] + 1 >= pl->fdist[j])
				continue;
			if (hop_allowed(pl, i, j))
				pl->fdist[j] = pl->fdist[i] + 1;
		}
	}
}

/* Distances to the target node t, in descending order. */
static void compute_rdist(struct planner *pl, size_t t)
{
	for (size_t k = pl->n_nodes; k-- > 0;) {
		pl->rdist[k] = k == t ? 0 : UNREACHABLE;
		for (size_t j = k + 1; j <= t && k != t; j++) {
			if (pl->rdist[j] == UNREACHABLE || pl->rdist[j] + 1 >= pl->rdist[k])
				continue;
			if (hop_allowed(pl, k, j))
				pl->rdist[k] = pl->rdist[j] + 1;
		}
	}
}

/* Walks from running to t taking the newest hop that keeps the chain shortest. */
static int build_chain(struct planner *pl, size_t t, struct tdx_plan *ret)
{
	size_t len = pl->fdist[t], cur = pl->n_nodes;
	struct tdx_store_entry **hops;

	compute_rdist(pl, t);
	hops = calloc(len, sizeof(*hops));
	if (!hops)
		return -ENOMEM;
	for (size_t step = 0; step < len; step++) {
		size_t want = len - step - 1, next = UNREACHABLE;

		for (size_t j = t + 1; j-- > 0;) {
			if (pl->rdist[j] == want && (cur == pl->n_nodes || j > cur) &&
			    hop_allowed(pl, cur, j)) {
				next = j;
				break;
			}
		}
		if (next == UNREACHABLE) { /* cannot happen: fdist said a chain exists */
			free(hops);
			return -EIO;
		}
		hops[step] = node_entry(pl, next);
		cur = next;
	}
	*ret = (struct tdx_plan){.from = pl->running, .hops = hops, .n_hops = len};
	return 0;
}

/*
 * The common case, tried before any distance is computed: the running
 * version may go straight to node t. The plan is then that one hop (no chain
 * is shorter, and a one-hop chain has no other choice), and the images of
 * the versions in between, each a file read and an RSA check, are never read.
 */
static bool plan_one_hop(struct planner *pl, size_t t, unsigned budget, struct tdx_plan *ret,
			 int *ret_err)
{
	struct tdx_store_entry **hops;

	if (budget < 1 || !hop_allowed(pl, pl->n_nodes, t))
		return false;
	hops = calloc(1, sizeof(*hops));
	if (!hops) {
		*ret_err = -ENOMEM;
		return true;
	}
	hops[0] = node_entry(pl, t);
	*ret = (struct tdx_plan){.from = pl->running, .hops = hops, .n_hops = 1};
	*ret_err = 0;
	return true;
}

static ssize_t find_node(const struct planner *pl, const struct tdx_version *v)
{
	for (size_t i = 0; i < pl->n_nodes; i++)
		if (tdx_version_equal(&node_entry(pl, i)->version, v))
			return (ssize_t)i;
	return -1;
}

static char *format_chain(struct planner *pl, size_t t, char *buf, size_t size)
{
	struct tdx_plan p = {0};
	char v[TDX_VERSION_STRING_MAX];
	size_t len;

	len = (size_t)snprintf(buf, size, "%s", tdx_version_format(&pl->running, v));
	if (build_chain(pl, t, &p) < 0)
		return buf;
	for (size_t i = 0; i < p.n_hops && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, " -> %s",
					tdx_version_format(&p.hops[i]->version, v));
	tdx_plan_done(&p);
	return buf;
}

/*
 * Why e cannot be installed straight from `from`, in words, for the hand-off
 * limits a chain can work around: "1.5.20 needs a running module of at least
 * 1.5.06". Empty when neither applies.
 */
static char *describe_handoff(const struct tdx_store_entry *e, const struct tdx_version *from,
			      char *buf, size_t size)
{
	const struct tdx_release *rel = e->release;
	char v[TDX_VERSION_STRING_MAX], m[TDX_VERSION_STRING_MAX], f[TDX_VERSION_STRING_MAX];

	buf[0] = '\0';
	if (!rel)
		return buf;
	tdx_version_format(&e->version, v);
	if (tdx_version_compare(from, &rel->min_td_preserving) < 0)
		snprintf(buf, size, "%s needs a running module of at least %s", v,
			 tdx_version_format(&rel->min_td_preserving, m));
	else if (rel->n_strict_compat > 0 && !tdx_release_strict_lists(rel, from))
		snprintf(buf, TDX_DIAG_MAX,
			 "%s is not strictly compatible from %s (%zu versions listed)", v,
			 tdx_version_format(from, f), rel->n_strict_compat);
	return buf;
}

/* Reasons no chain can ever work around: host facts, image, wrong series or direction. */
#define PERMANENT_REASONS                                                                      \
	(TDX_REASON_CPU | TDX_REASON_SEAMLDR | TDX_REASON_SEAMLDR_UNKNOWN | TDX_REASON_DEBUG | \
	 TDX_REASON_NO_MAPPING | TDX_REASON_BAD_IMAGE | TDX_REASON_SERIES | TDX_REASON_DOWNGRADE)

static int fail_blocked(struct planner *pl, struct tdx_store_entry *e, uint32_t reasons,
			struct tdx_diag *diag)
{
	char v[TDX_VERSION_STRING_MAX], r[TDX_VERSION_STRING_MAX], why[TDX_DIAG_MAX];

	return tdx_diag_set(diag, -EPERM, "%s cannot be installed on this host (running %s): %s",
			    tdx_version_format(&e->version, v), tdx_version_format(&pl->running, r),
			    tdx_reasons_join(reasons, why));
}

static int fail_budget(struct planner *pl, size_t t, unsigned budget, struct tdx_diag *diag)
{
	char why[TDX_DIAG_MAX / 2], chain[TDX_DIAG_MAX / 2];
	size_t hops = pl->fdist[t];

	describe_handoff(node_entry(pl, t), &pl->running, why, sizeof(why));
	return tdx_diag_set(diag, -ENOSPC,
			    "%s%sthe shortest path %s needs %zu update%s, %u allowed", why,
			    why[0] ? "; " : "", format_chain(pl, t, chain, sizeof(chain)), hops,
			    hops == 1 ? "" : "s", budget);
}

static int fail_unreachable(struct planner *pl, struct tdx_store_entry *e, struct tdx_diag *diag)
{
	char why[TDX_DIAG_MAX], keys[TDX_DIAG_MAX], v[TDX_VERSION_STRING_MAX],
		r[TDX_VERSION_STRING_MAX];
	uint32_t direct = tdx_policy_check_hop(e, &pl->running, pl->host, &pl->hop_opts);

	describe_handoff(e, &pl->running, why, sizeof(why));
	return tdx_diag_set(diag, -EXDEV,
			    "no chain of allowed updates leads from %s to %s (directly: %s%s%s)",
			    tdx_version_format(&pl->running, r), tdx_version_format(&e->version, v),
			    tdx_reasons_join(direct, keys), why[0] ? "; " : "", why);
}

/* The running version again: only on request, as one hop, never as part of a chain. */
static int plan_reinstall(struct planner *pl, const struct tdx_policy_opts *opts, unsigned budget,
			  struct tdx_plan *ret, struct tdx_diag *diag)
{
	struct tdx_store_entry *e = tdx_store_find(pl->store, &pl->running);
	char v[TDX_VERSION_STRING_MAX];
	struct tdx_store_entry **hops;
	uint32_t reasons;

	tdx_version_format(&pl->running, v);
	if (!opts || !opts->reinstall)
		return tdx_diag_set(diag, -EALREADY, "%s is already running", v);
	if (!e)
		return tdx_diag_set(diag, -ENOENT,
				    "%s (running, to re-install) is not in the store", v);
	reasons = tdx_policy_check_hop(e, &pl->running, pl->host, opts);
	if (reasons)
		return fail_blocked(pl, e, reasons, diag);
	if (budget < 1)
		return tdx_diag_set(diag, -ENOSPC, "re-installing %s needs 1 update, 0 allowed", v);
	hops = calloc(1, sizeof(*hops));
	if (!hops)
		return -ENOMEM;
	hops[0] = e;
	*ret = (struct tdx_plan){.from = pl->running, .hops = hops, .n_hops = 1};
	return 0;
}

static int plan_to_target(struct planner *pl, const struct tdx_policy_opts *opts,
			  const struct tdx_version *target, unsigned budget, struct tdx_plan *ret,
			  struct tdx_diag *diag)
{
	struct tdx_store_entry *e = tdx_store_find(pl->store, target);
	char v[TDX_VERSION_STRING_MAX];
	uint32_t permanent;
	ssize_t t;
	int r;

	if (tdx_version_equal(target, &pl->running))
		return plan_reinstall(pl, opts, budget, ret, diag);
	if (!e)
		return tdx_diag_set(diag, -ENOENT, "%s is not in the store",
				    tdx_version_format(target, v));
	permanent =
		tdx_policy_check_hop(e, &pl->running, pl->host, &pl->hop_opts) & PERMANENT_REASONS;
	if (permanent)
		return fail_blocked(pl, e, permanent, diag);
	t = find_node(pl, target);
	if (t >= 0 && plan_one_hop(pl, (size_t)t, budget, ret, &r))
		return r;
	compute_fdist(pl);
	if (t < 0 || pl->fdist[t] == UNREACHABLE)
		return fail_unreachable(pl, e, diag);
	if (pl->fdist[t] > budget)
		return fail_budget(pl, (size_t)t, budget, diag);
	return build_chain(pl, (size_t)t, ret);
}

/* The newest same-series entry above running that no chain reaches, for the message. */
static char *describe_newest_blocked(struct planner *pl, char buf[static TDX_DIAG_MAX])
{
	char v[TDX_VERSION_STRING_MAX], keys[TDX_DIAG_MAX];
	struct tdx_store_entry *e;

	buf[0] = '\0';
	if (pl->n_nodes == 0)
		return buf;
	e = node_entry(pl, pl->n_nodes - 1);
	snprintf(buf, TDX_DIAG_MAX, " (newest in the series: %s, %s)",
		 tdx_version_format(&e->version, v),
		 tdx_reasons_join(tdx_policy_check_hop(e, &pl->running, pl->host, &pl->hop_opts),
				  keys));
	return buf;
}

/*
 * An unknown input must never look like "up to date": when a newer version
 * of the series is blocked because the P-SEAMLDR version or its own image
 * could not be read, -ENODATA names it. 0 when nothing unknown blocks.
 */
static int fail_unknown_input(struct planner *pl, struct tdx_diag *diag)
{
	char v[TDX_VERSION_STRING_MAX];

	for (size_t i = pl->n_nodes; i-- > 0;) {
		struct tdx_store_entry *e = node_entry(pl, i);
		uint32_t reasons = tdx_policy_check_hop(e, &pl->running, pl->host, &pl->hop_opts);

		tdx_version_format(&e->version, v);
		if (reasons & TDX_REASON_SEAMLDR_UNKNOWN)
			return tdx_diag_set(
				diag, -ENODATA,
				"the P-SEAMLDR version is unknown (unreadable or "
				"invalid), so whether %s or older can be installed cannot "
				"be decided",
				v);
		if (reasons & TDX_REASON_BAD_IMAGE)
			return tdx_diag_set(
				diag, -ENODATA,
				"%s cannot be read from the store, so whether it can be "
				"installed cannot be decided: %s",
				v, e->sig_error ? e->sig_error : "unreadable image");
	}
	return 0;
}

static int plan_newest(struct planner *pl, const struct tdx_policy_opts *opts, unsigned budget,
		       struct tdx_plan *ret, struct tdx_diag *diag)
{
	ssize_t newest = -1, within = -1;
	char v[TDX_VERSION_STRING_MAX], extra[TDX_DIAG_MAX];
	int r;

	if (pl->n_nodes > 0 && plan_one_hop(pl, pl->n_nodes - 1, budget, ret, &r))
		return r;
	compute_fdist(pl);
	for (size_t i = 0; i < pl->n_nodes; i++) {
		if (pl->fdist[i] == UNREACHABLE)
			continue;
		newest = (ssize_t)i;
		if (pl->fdist[i] <= budget)
			within = (ssize_t)i;
	}
	if (newest < 0) {
		if (opts && opts->reinstall && tdx_store_find(pl->store, &pl->running))
			return plan_reinstall(pl, opts, budget, ret, diag);
		r = fail_unknown_input(pl, diag);
		if (r < 0)
			return r;
		return tdx_diag_set(diag, -EALREADY,
				    "already up to date: %s is running and no newer module in the "
				    "store can be installed%s",
				    tdx_version_format(&pl->running, v),
				    describe_newest_blocked(pl, extra));
	}
	if (within < 0)
		return fail_budget(pl, (size_t)newest, budget, diag);
	return build_chain(pl, (size_t)within, ret);
}

int tdx_plan_compute(struct tdx_store *store, const struct tdx_policy_host *host,
		     const struct tdx_policy_opts *opts, const struct tdx_version *target,
		     unsigned budget, struct tdx_plan *ret, struct tdx_diag *diag)
{
	struct planner pl;
	int r;

	r = planner_init(&pl, store, host, opts);
	if (r >= 0) {
		if (target)
			r = plan_to_target(&pl, opts, target, budget, ret, diag);
		else
			r = plan_newest(&pl, opts, budget, ret, diag);
	}
	planner_done(&pl);
	return r;
}

void tdx_plan_done(struct tdx_plan *p)
{
	if (!p)
		return;
	free(p->hops);
	p->hops = NULL;
	p->n_hops = 0;
}

char *tdx_plan_describe_hop(const struct tdx_plan *p, size_t i, char buf[static TDX_DIAG_MAX])
{
	const struct tdx_version *from;
	char why[TDX_DIAG_MAX - 16], v[TDX_VERSION_STRING_MAX];

	buf[0] = '\0';
	if (i >= p->n_hops)
		return buf;
	from = i == 0 ? &p->from : &p->hops[i - 1]->version;
	if (i + 1 == p->n_hops) {
		snprintf(buf, TDX_DIAG_MAX, "%s",
			 tdx_version_equal(from, &p->hops[i]->version) ? "reinstall" : "target");
		return buf;
	}
	/* The planner only adds a hop when the next one is refused from the version before. */
	describe_handoff(p->hops[i + 1], from, why, sizeof(why));
	if (why[0])
		snprintf(buf, TDX_DIAG_MAX, "needed: %s", why);
	else
		snprintf(buf, TDX_DIAG_MAX, "needed to reach %s",
			 tdx_version_format(&p->hops[i + 1]->version, v));
	return buf;
}
