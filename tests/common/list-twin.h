/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The list document written both ways, for the tests that hold the streamed
 * writer (tdx_view_list_write) to the json-c path (tdx_view_list, serialised
 * as tdxctl and tdxd do): a module store built in memory from bytes (a fuzz
 * input or a PRNG stream) with hostile strings (control characters, quotes,
 * backslashes, invalid UTF-8) in every string the document carries, and every
 * entry state the policy can see without reading a file.
 */
#include <stddef.h>
#include <stdint.h>

#include <tdx/view.h>

/* A store of at most max_entries entries drawn from data; NULL on OOM. Free with tdx_store_free. */
struct tdx_store *list_twin_store(const uint8_t *data, size_t size, size_t max_entries);
/* A view input over store, its host and options also drawn from data (static storage). */
void list_twin_input(struct tdx_store *store, const uint8_t *data, size_t size,
		     struct tdx_view_input *ret);
/*
 * The document from the json-c tree (json_object_to_json_string_ext with
 * NOSLASHESCAPE, | PRETTY for TDX_JSON_WRITE_PRETTY, then tdx_utf8_sanitize)
 * and streamed; both malloc'ed. 0 or negative errno.
 */
int list_twin_texts(const struct tdx_view_input *in, unsigned flags, char **ret_tree,
		    char **ret_stream);
