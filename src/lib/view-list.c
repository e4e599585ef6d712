// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The list document streamed (tdx_view_list_write, view.h). Building it as
 * json-c objects costs a hash table per candidate and a second copy of the
 * text; for 10,000 images that was 40 % of `tdxctl list --json`. The keys and
 * their order are tdx_view_list()'s (json.c documents them); test-view-list
 * and fuzz-list-writer hold the two to the same bytes.
 */
#include <errno.h>
#include <stdlib.h>

#include <tdx/hash.h>
#include <tdx/json-writer.h>
#include <tdx/view.h>
#include "json-internal.h"

static void write_version(struct tdx_json_writer *w, const char *key, const struct tdx_version *v)
{
	char buf[TDX_VERSION_STRING_MAX];

	tdx_json_write_string(w, key, v ? tdx_version_format(v, buf) : NULL);
}

static void write_reasons(struct tdx_json_writer *w, uint32_t reasons)
{
	tdx_json_write_array_begin(w, "reasons");
	for (int i = 0; i < TDX_REASON_COUNT; i++)
		if (reasons & (1u << i))
			tdx_json_write_string(w, NULL,
					      tdx_reason_to_string((enum tdx_reason)(1u << i)));
	tdx_json_write_array_end(w);
}

/* json.c's put_sig_fields: the sigstruct keys of a candidate, null when s is NULL. */
static void write_sig_fields(struct tdx_json_writer *w, const struct tdx_sigstruct_summary *s)
{
	char buf[TDX_JSON_HEX_MAX], hex[2 * TDX_SEAMHASH_SIZE + 1];

	if (!s) {
		static const char *const keys[] = {"debug", "build_date", "seam_svn", "seamhash",
						   "cpuid_table"};

		for (size_t i = 0; i < ELEMENTSOF(keys); i++)
			tdx_json_write_null(w, keys[i]);
		return;
	}
	tdx_json_write_bool(w, "debug", s->debug);
	tdx_json_write_string(w, "build_date", tdx_json_date_text(s->date, buf));
	tdx_json_write_int(w, "seam_svn", s->seam_svn);
	tdx_json_write_string(w, "seamhash", tdx_hex(s->seamhash, TDX_SEAMHASH_SIZE, hex));
	tdx_json_write_array_begin(w, "cpuid_table");
	for (uint32_t i = 0; i < s->cpuid_count && i < TDX_CPUID_TABLE_MAX; i++)
		tdx_json_write_string(w, NULL, tdx_json_hex_text(s->cpuid_table[i], 0, buf));
	tdx_json_write_array_end(w);
}

/* json.c's tdx_json_candidate. */
static void write_candidate(struct tdx_json_writer *w, const struct tdx_candidate *c,
			    const struct tdx_version *running)
{
	const struct tdx_store_entry *e = c->entry;

	tdx_json_write_object_begin(w, NULL);
	write_version(w, "version", &e->version);
	tdx_json_write_bool(w, "installable", c->reasons == 0);
	write_reasons(w, c->reasons);
	tdx_json_write_bool(w, "running", running && tdx_version_equal(running, &e->version));
	write_version(w, "min_td_preserving", e->release ? &e->release->min_td_preserving : NULL);
	tdx_json_write_string(w, "image_path", e->blob_path ? e->blob_path : e->bin_path);
	tdx_json_write_string(w, "image_format",
			      e->blob_path ? tdx_json_format_or_null(e->blob_format) : NULL);
	tdx_json_write_string(w, "sigstruct_error",
			      e->sig_state == TDX_SIG_ERROR ? e->sig_error : NULL);
	write_sig_fields(w, e->sig_state == TDX_SIG_OK ? &e->sig : NULL);
	tdx_json_write_object_end(w);
}

/* "problems" and "missing_images" of json.c's tdx_json_store_problems. */
static void write_store_problems(struct tdx_json_writer *w, const struct tdx_store *s)
{
	tdx_json_write_array_begin(w, "problems");
	for (size_t i = 0; i < s->n_problems; i++) {
		tdx_json_write_object_begin(w, NULL);
		tdx_json_write_string(w, "path", s->problems[i].path);
		tdx_json_write_string(w, "message", s->problems[i].message);
		tdx_json_write_object_end(w);
	}
	tdx_json_write_array_end(w);
	tdx_json_write_array_begin(w, "missing_images");
	for (size_t i = 0; i < s->n_missing_images; i++)
		write_version(w, NULL, &s->missing_images[i]);
	tdx_json_write_array_end(w);
}

int tdx_view_list_write(const struct tdx_view_input *in, FILE *f, unsigned json_write_flags)
{
	_cleanup_free_ struct tdx_candidate *cands = NULL;
	struct tdx_view_list_items items;
	struct tdx_json_writer w;
	int r;

	r = tdx_view_list_evaluate(in, &items);
	if (r < 0)
		return r;
	cands = items.cands;
	tdx_json_writer_init(&w, f, json_write_flags);
	tdx_json_write_object_begin(&w, NULL);
	tdx_json_write_string(&w, "store", in->store->root);
	tdx_json_write_array_begin(&w, "candidates");
	for (size_t i = 0; i < items.n; i++)
		write_candidate(&w, &cands[i], items.running);
	tdx_json_write_array_end(&w);
	write_version(&w, "running", items.running);
	write_store_problems(&w, in->store);
	tdx_json_write_object_end(&w);
	return tdx_json_writer_finish(&w);
}
