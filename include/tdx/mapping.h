/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Intel's mapping_file.json: compatibility facts for each module release.
 * Unknown fields are tolerated; the fields below are type-checked.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/version.h>

#define TDX_MAPPING_MAX_SIZE (16u * 1024 * 1024)

struct tdx_release {
	struct tdx_version version;
	/* Oldest running module this release can take over from (TD-preserving). */
	struct tdx_version min_td_preserving;
	/*
	 * Running versions from which an update to this release is strictly
	 * compatible. Present-but-empty and absent differ: has_strict_compat.
	 */
	bool has_strict_compat;
	struct tdx_version *strict_compat;
	size_t n_strict_compat;
	/* P-SEAMLDR lines this release works with: same major.minor, update >= entry. */
	struct tdx_version *min_seamldr;
	size_t n_min_seamldr;
	bool has_tdx_feature0;
	uint64_t tdx_feature0;
};

struct tdx_mapping {
	char *header_version;	      /* "1.0", or NULL when absent */
	struct tdx_release *releases; /* sorted ascending by version, no duplicates */
	size_t n_releases;
};

/* Parses JSON text. -EBADMSG (syntax, with offset), -EINVAL (types, values, duplicates). */
int tdx_mapping_parse(const char *text, size_t size, struct tdx_mapping **ret,
		      struct tdx_diag *diag);
/*
 * The same, always as one json-c tree of the whole document. tdx_mapping_parse()
 * takes a file one release at a time when it can (10,000 releases made a
 * tree of 18 MB) and comes here for anything else; fuzz-mapping holds the two
 * to the same result.
 */
int tdx_mapping_parse_tree(const char *text, size_t size, struct tdx_mapping **ret,
			   struct tdx_diag *diag);
/* Loads a file (size capped). -ENOENT/-EACCES/... with diag naming the problem. */
int tdx_mapping_load(const char *path, struct tdx_mapping **ret, struct tdx_diag *diag);
struct tdx_mapping *tdx_mapping_free(struct tdx_mapping *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tdx_mapping *, tdx_mapping_free);
const struct tdx_release *tdx_mapping_find(const struct tdx_mapping *m,
					   const struct tdx_version *v);
/* Whether the P-SEAMLDR version satisfies one of min_seamldr_versions. */
bool tdx_release_seamldr_ok(const struct tdx_release *r, const struct tdx_version *seamldr);
/* Whether v is listed in strict_compat_versions. */
bool tdx_release_strict_lists(const struct tdx_release *r, const struct tdx_version *v);
