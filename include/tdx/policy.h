/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Which store entries may be installed on this host, and why not.
 * A hop from version F to candidate C is allowed when no reason applies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/store.h>
#include <tdx/version.h>

enum tdx_reason {
	TDX_REASON_CPU = 1u << 0,	       /* CPU signature not in the sigstruct cpuid table */
	TDX_REASON_SEAMLDR = 1u << 1,	       /* P-SEAMLDR not in min_seamldr_versions */
	TDX_REASON_SERIES = 1u << 2,	       /* major.minor differs from the running module */
	TDX_REASON_DOWNGRADE = 1u << 3,	       /* older than the running module */
	TDX_REASON_MIN_VERSION = 1u << 4,      /* running < min_module_version_for_td_preserving */
	TDX_REASON_STRICT_COMPAT = 1u << 5,    /* strict: running not in strict_compat_versions */
	TDX_REASON_DEBUG = 1u << 6,	       /* debug-signed module without --allow-debug */
	TDX_REASON_RUNNING = 1u << 7,	       /* the running version, without --reinstall */
	TDX_REASON_NO_MAPPING = 1u << 8,       /* no mapping_file.json entry */
	TDX_REASON_BAD_IMAGE = 1u << 9,	       /* sigstruct unreadable or image corrupt */
	TDX_REASON_SEAMLDR_UNKNOWN = 1u << 10, /* P-SEAMLDR version could not be read */
	TDX_REASON_SIGNATURE = 1u << 11,       /* the sigstruct's RSA signature does not verify */
	TDX_REASON_UNTRUSTED_KEY = 1u << 12,   /* valid signature by a key not trusted */
	TDX_REASON_NOT_APPROVED = 1u << 13,    /* SEAMHASH not in the site's ApprovedImages= */
};
#define TDX_REASON_COUNT 14

struct tdx_policy_opts {
	/* Signing keys an image may be signed with; NULL: Intel's production key. */
	const struct tdx_trusted_keys *trusted_keys;
	bool allow_debug; /* debug-signed modules still need a trusted key */
	bool reinstall;
	bool strict_compat; /* require the running version in strict_compat_versions when listed */
	/*
	 * Site approval (tdxd.conf ApprovedImages=): the module SHA-384s
	 * (sigstruct SEAMHASH, checked against the bytes before writing) that
	 * may be installed; n_approved 0 approves every image.
	 */
	const uint8_t (*approved)[TDX_SEAMHASH_SIZE];
	size_t n_approved;
};

/* Facts about the host the policy needs. */
struct tdx_policy_host {
	struct tdx_version running;
	bool seamldr_known;
	struct tdx_version seamldr;
	uint32_t cpu_signature;
};

struct tdx_candidate {
	struct tdx_store_entry *entry;
	uint32_t reasons; /* enum tdx_reason bits against the running version; 0 = installable */
};

/* snake_case key used in JSON and D-Bus ("cpu_unsupported"). */
const char *tdx_reason_to_string(enum tdx_reason r);
/* A short human sentence ("CPU 0x806f0 is not in the image's cpuid table"). */
const char *tdx_reason_describe(enum tdx_reason r);
/* Joins the snake_case keys of a reason set with ", " ("" for none). Returns buf. */
char *tdx_reasons_join(uint32_t reasons, char buf[static TDX_DIAG_MAX]);

/*
 * Reasons that forbid installing e while version from is running. Reads the
 * entry's sigstruct lazily (hence non-const). Host facts that do not depend
 * on from (CPU, P-SEAMLDR) are checked too. Every reason is named, except
 * that the RSA signature is verified (and SIGNATURE found) only when no other
 * reason applies: a candidate refused anyway does not pay for it.
 */
uint32_t tdx_policy_check_hop(struct tdx_store_entry *e, const struct tdx_version *from,
			      const struct tdx_policy_host *host,
			      const struct tdx_policy_opts *opts);

/*
 * Whether check_hop would find no reason, reading the sigstruct only when the
 * rules that need no file (mapping, P-SEAMLDR, direction, hand-off) pass: what
 * the planner asks of every pair of versions.
 */
bool tdx_policy_hop_allowed(struct tdx_store_entry *e, const struct tdx_version *from,
			    const struct tdx_policy_host *host, const struct tdx_policy_opts *opts);

/* One candidate per store entry, newest first. *ret is malloc'ed. */
int tdx_policy_evaluate(struct tdx_store *store, const struct tdx_policy_host *host,
			const struct tdx_policy_opts *opts, struct tdx_candidate **ret,
			size_t *ret_n);
