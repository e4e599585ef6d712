// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The install policy: every reason why a store entry may not replace the
 * running module. A hop is allowed only when no reason applies; there is no
 * "warning" level, because a wrong hop kills every TD on the host.
 *
 * Deliberate interpretations (documented in tdx-module-store(5)):
 *  - min_module_version_for_td_preserving is compared as a full version,
 *    numerically. Intel's script compares only the update field; for a
 *    candidate of the running series (the only kind SERIES lets through) and
 *    a minimum of that series, which is all Intel has published, both agree.
 *  - The hand-off facts of a release (minimum version, strict list) describe
 *    Z-stream hand-offs inside its series. For a candidate of another series
 *    SERIES already forbids the hop, so they are not evaluated there.
 *  - strict_compat_versions: non-empty = the running versions from which this
 *    release is strictly compatible; empty or absent = no restriction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/policy.h>

struct reason_text {
	const char *key;
	const char *sentence;
};

static const struct reason_text reason_texts[TDX_REASON_COUNT] = {
	{"cpu_unsupported", "the CPU signature is not in the image's cpuid table"},
	{"seamldr_unsupported", "the P-SEAMLDR version is not in min_seamldr_versions"},
	{"series_mismatch",
	 "major.minor differs from the running module (only Z-stream updates run)"},
	{"downgrade", "older than the running module"},
	{"below_min_version",
	 "the running module is older than min_module_version_for_td_preserving"},
	{"strict_compat", "the running version is not in strict_compat_versions"},
	{"debug_signed", "debug-signed module (needs allow-debug)"},
	{"running", "already running (re-installing uses an update slot; needs reinstall)"},
	{"no_mapping", "no entry in mapping_file.json"},
	{"bad_image", "the image or its sigstruct cannot be read"},
	{"seamldr_unknown", "the P-SEAMLDR version is unknown (unreadable or invalid)"},
	{"signature_invalid", "the sigstruct's RSA signature does not verify"},
	{"untrusted_key", "signed by a key that is not trusted (TrustedSigningKeys)"},
	{"not_approved", "its SHA-384 is not in the site's ApprovedImages= list"},
};

static int reason_index(enum tdx_reason r)
{
	unsigned bits = (unsigned)r;
	int i;

	/* Exactly one bit, inside the table. */
	if (bits == 0 || (bits & (bits - 1)) != 0)
		return -EINVAL;
	i = __builtin_ctz(bits);
	return i < TDX_REASON_COUNT ? i : -EINVAL;
}

const char *tdx_reason_to_string(enum tdx_reason r)
{
	int i = reason_index(r);

	return i < 0 ? NULL : reason_texts[i].key;
}

const char *tdx_reason_describe(enum tdx_reason r)
{
	int i = reason_index(r);

	return i < 0 ? NULL : reason_texts[i].sentence;
}

/*
 * The signature's reasons. The RSA step (about 50 us) only runs when nothing
 * else forbids the hop (others == 0): a listing of 10,000 images would
 * otherwise spend half a second proving signatures of modules that cannot be
 * installed anyway. Trust needs no RSA: the key's fingerprint decides it.
 */
static uint32_t signature_reasons(struct tdx_store_entry *e, const struct tdx_policy_opts *opts,
				  uint32_t others)
{
	const struct tdx_signature *s = &e->sig.signature;

	if (s->status == TDX_SIGNATURE_BAD_LAYOUT || s->status == TDX_SIGNATURE_MISMATCH)
		return TDX_REASON_SIGNATURE;
	if (!tdx_signature_key_trusted(s, opts->trusted_keys))
		return TDX_REASON_UNTRUSTED_KEY;
	if (s->status == TDX_SIGNATURE_VALID || others)
		return 0;
	if (tdx_store_entry_verify(e, NULL) < 0)
		return TDX_REASON_BAD_IMAGE; /* the error is kept in e->sig_error */
	return s->status == TDX_SIGNATURE_VALID ? 0 : TDX_REASON_SIGNATURE;
}

static bool image_approved(const struct tdx_store_entry *e, const struct tdx_policy_opts *opts)
{
	for (size_t i = 0; i < opts->n_approved; i++)
		if (memcmp(opts->approved[i], e->sig.seamhash, TDX_SEAMHASH_SIZE) == 0)
			return true;
	return opts->n_approved == 0;
}

/* Reasons that come from the image itself: signature, CPU, debug bit, site approval. */
static uint32_t image_reasons(struct tdx_store_entry *e, const struct tdx_policy_host *host,
			      const struct tdx_policy_opts *opts, uint32_t others)
{
	uint32_t reasons = 0;

	if (e->sig_state == TDX_SIG_NOT_READ)
		(void)tdx_store_entry_peek(e, NULL); /* the error is kept in e->sig_error */
	if (e->sig_state != TDX_SIG_OK)
		return TDX_REASON_BAD_IMAGE;
	if (!tdx_cpuid_table_supports(e->sig.cpuid_table, e->sig.cpuid_count, host->cpu_signature))
		reasons |= TDX_REASON_CPU;
	if (e->sig.debug && !opts->allow_debug)
		reasons |= TDX_REASON_DEBUG;
	if (!image_approved(e, opts))
		reasons |= TDX_REASON_NOT_APPROVED;
	/* The P-SEAMLDR checks this after the running module is shut down: fatal there. */
	return reasons | signature_reasons(e, opts, others | reasons);
}

/* Unknown P-SEAMLDR is never assumed compatible: fail safe. */
static uint32_t seamldr_reasons(const struct tdx_release *rel, const struct tdx_policy_host *host)
{
	if (!host->seamldr_known)
		return TDX_REASON_SEAMLDR_UNKNOWN;
	if (rel && !tdx_release_seamldr_ok(rel, &host->seamldr))
		return TDX_REASON_SEAMLDR;
	return 0;
}

static uint32_t direction_reasons(const struct tdx_version *cand, const struct tdx_version *from,
				  const struct tdx_policy_opts *opts)
{
	uint32_t reasons = 0;
	int cmp = tdx_version_compare(cand, from);

	if (!tdx_version_same_series(cand, from))
		reasons |= TDX_REASON_SERIES;
	if (cmp < 0)
		reasons |= TDX_REASON_DOWNGRADE;
	if (cmp == 0 && !opts->reinstall)
		reasons |= TDX_REASON_RUNNING;
	return reasons;
}

/* The release's own hand-off limits; only meaningful inside its series. */
static uint32_t handoff_reasons(const struct tdx_release *rel, const struct tdx_version *from,
				const struct tdx_policy_opts *opts)
{
	uint32_t reasons = 0;

	if (!tdx_version_same_series(&rel->version, from))
		return 0;
	if (tdx_version_compare(from, &rel->min_td_preserving) < 0)
		reasons |= TDX_REASON_MIN_VERSION;
	if (opts->strict_compat && rel->n_strict_compat > 0 && !tdx_release_strict_lists(rel, from))
		reasons |= TDX_REASON_STRICT_COMPAT;
	return reasons;
}

/* Every reason that needs no file read: mapping, P-SEAMLDR, direction, hand-off. */
static uint32_t cheap_reasons(const struct tdx_store_entry *e, const struct tdx_version *from,
			      const struct tdx_policy_host *host,
			      const struct tdx_policy_opts *opts)
{
	uint32_t reasons = seamldr_reasons(e->release, host);

	reasons |= direction_reasons(&e->version, from, opts);
	if (e->release)
		reasons |= handoff_reasons(e->release, from, opts);
	else
		reasons |= TDX_REASON_NO_MAPPING;
	return reasons;
}

uint32_t tdx_policy_check_hop(struct tdx_store_entry *e, const struct tdx_version *from,
			      const struct tdx_policy_host *host,
			      const struct tdx_policy_opts *opts)
{
	const struct tdx_policy_opts no_opts = {0};
	uint32_t reasons;

	if (!opts)
		opts = &no_opts;
	reasons = cheap_reasons(e, from, host, opts);
	return reasons | image_reasons(e, host, opts, reasons);
}

bool tdx_policy_hop_allowed(struct tdx_store_entry *e, const struct tdx_version *from,
			    const struct tdx_policy_host *host, const struct tdx_policy_opts *opts)
{
	const struct tdx_policy_opts no_opts = {0};

	if (!opts)
		opts = &no_opts;
	/* The image is read only for a hop the cheap rules allow. */
	return cheap_reasons(e, from, host, opts) == 0 && image_reasons(e, host, opts, 0) == 0;
}

int tdx_policy_evaluate(struct tdx_store *store, const struct tdx_policy_host *host,
			const struct tdx_policy_opts *opts, struct tdx_candidate **ret,
			size_t *ret_n)
{
	struct tdx_candidate *c;
	size_t n = store->n_entries;

	/* One element at least, so an empty store still returns a valid pointer. */
	c = calloc(n ? n : 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* Store entries are ascending; candidates are listed newest first. */
		struct tdx_store_entry *e = &store->entries[n - 1 - i];

		c[i].entry = e;
		c[i].reasons = tdx_policy_check_hop(e, &host->running, host, opts);
	}
	*ret = c;
	*ret_n = n;
	return 0;
}

char *tdx_reasons_join(uint32_t reasons, char buf[static TDX_DIAG_MAX])
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < TDX_REASON_COUNT; i++) {
		if (!(reasons & (1u << i)))
			continue;
		len += (size_t)snprintf(buf + len, len < TDX_DIAG_MAX ? TDX_DIAG_MAX - len : 0,
					"%s%s", len ? ", " : "", reason_texts[i].key);
		if (len >= TDX_DIAG_MAX)
			break;
	}
	return buf;
}
