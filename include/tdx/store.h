/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A module store in the layout of Intel's binaries repository:
 *   <root>/mapping_file.json
 *   <root>/joined_files/X.Y/tdx_module_X.Y.ZZ.blob
 *   <root>/separate_files/X.Y/X.Y.ZZ/tdx_module_X.Y.ZZ.{bin,sigstruct}
 * A scan lists files and reads the mapping; sigstructs are read lazily and
 * modules are only read (and hashed) for the image that is installed.
 * Names spell a version one way, as tdx_version_format() does (X.Y with no
 * leading zeros, ZZ at least two digits); the scan reports other spellings
 * as problems and ignores them, so each version's files have one name and
 * can be looked up by it (tdx_store_lookup()).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/image.h>
#include <tdx/mapping.h>
#include <tdx/version.h>

#define TDX_STORE_DEFAULT_PATH "/usr/lib/firmware/intel/tdx"

struct tdx_store_entry {
	struct tdx_version version;
	char *blob_path; /* joined_files/... or NULL */
	char *bin_path;	 /* separate_files/... or NULL (both or neither) */
	char *sigstruct_path;
	const struct tdx_release *release; /* NULL: no mapping entry */

	/*
	 * Filled by tdx_store_entry_peek() (and _verify()); sig_state says whether it ran.
	 * Small on purpose (a store may hold 10,000 entries): sig.cpuid_table and
	 * sig_error are malloc'ed and owned by the entry.
	 */
	enum { TDX_SIG_NOT_READ, TDX_SIG_OK, TDX_SIG_ERROR } sig_state;
	struct tdx_sigstruct_summary sig;
	enum tdx_image_format blob_format; /* format of blob_path, INVALID when none */
	uint64_t blob_size;
	char *sig_error; /* TDX_SIG_ERROR: why, one line */
	/*
	 * Set by tdx_store_lookup(), for its few entries: the first read keeps
	 * the raw sigstruct, so the verify after the peek of a target does not
	 * read the file again, and the blob open (kept_fd), so the load of the
	 * whole image does not open it again. Scans keep nothing (kept_fd unused).
	 */
	bool keep_reads;
	uint8_t *kept_sigstruct;
	int kept_fd;
};

/* Something odd in the store that is reported, not fatal. */
struct tdx_store_problem {
	char *path; /* file or mapping entry */
	char *message;
};

struct tdx_store {
	char *root;
	struct tdx_mapping *mapping;
	struct tdx_store_entry *entries; /* sorted ascending by version; one per version */
	size_t n_entries;
	/* Mapping releases with no image in the store. */
	struct tdx_version *missing_images;
	size_t n_missing_images;
	struct tdx_store_problem *problems;
	size_t n_problems;
};

/*
 * Scans a store. Fails only when the root or the mapping file is unusable;
 * stray files, bad names, images without a mapping entry and entries without
 * an image are recorded in problems / missing_images.
 */
int tdx_store_scan(const char *root, struct tdx_store **ret, struct tdx_diag *diag);
/*
 * Looks the given versions up by their canonical names instead of walking
 * every directory: the entry of each version found is exactly the one a
 * scan makes (the scan ignores every other spelling of a version, so no
 * second file can claim it). The store holds only those entries and no
 * problems or missing images: it answers for these versions, not for the
 * store. A plan that needs any other version (a chain, the newest) must
 * come from a scan. Fails like tdx_store_scan() when the root or the
 * mapping file is unusable.
 */
int tdx_store_lookup(const char *root, const struct tdx_version *versions, size_t n_versions,
		     struct tdx_store **ret, struct tdx_diag *diag);
/*
 * A scan of one series (series' major.minor): its directories under
 * joined_files/ and separate_files/, not the others. Its entries are those
 * of a full scan in that series; problems and missing images are not the
 * store's. For plans that only look at the running series (the newest
 * reachable version): every other series is refused anyway.
 */
int tdx_store_scan_series(const char *root, const struct tdx_version *series,
			  struct tdx_store **ret, struct tdx_diag *diag);
/* "X.Y", the series directory name of v. Returns buf. */
char *tdx_store_series_name(const struct tdx_version *v, char buf[static TDX_VERSION_STRING_MAX]);
struct tdx_store *tdx_store_free(struct tdx_store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tdx_store *, tdx_store_free);
struct tdx_store_entry *tdx_store_find(const struct tdx_store *s, const struct tdx_version *v);
/*
 * Reads the sigstruct fields of an entry once (header page + sigstruct, one
 * pread). The signature is only inspected (layout, key fingerprint):
 * sig.signature.status is BAD_LAYOUT or UNCHECKED.
 */
int tdx_store_entry_peek(struct tdx_store_entry *e, struct tdx_diag *diag);
/*
 * Peeks, then runs the RSA step once: sig.signature.status becomes VALID or
 * MISMATCH (about 50 us; the policy calls it only for candidates that pass
 * every other rule). A read error is kept in the entry like peek's.
 */
int tdx_store_entry_verify(struct tdx_store_entry *e, struct tdx_diag *diag);
/* Peeks every entry; errors are kept per entry. */
void tdx_store_peek_all(struct tdx_store *s);

/*
 * Produces the installable image of an entry in the wanted format: reads the
 * blob (or joins bin + sigstruct), converts 0x100 <-> 0x200 in memory when
 * needed, and validates fully (kernel checks, checksum, sigstruct, seamhash).
 * Whether the signature is by a trusted key is a pre-flight check of its own
 * (tdx_check_signature()) on ret_img; the update engine runs both.
 * *ret_data is malloc'ed; ret_img points into it. *ret_converted says whether
 * a conversion was needed. The entry must have been peeked: the image loaded
 * must carry the sigstruct the plan and the policy judged, else -ESTALE
 * ("changed on disk since it was checked").
 */
int tdx_store_entry_load_image(const struct tdx_store_entry *e, enum tdx_image_format want,
			       uint8_t **ret_data, size_t *ret_size, struct tdx_image *ret_img,
			       bool *ret_converted, struct tdx_diag *diag);
