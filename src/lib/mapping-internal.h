/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the two parsers of mapping_file.json share (mapping.c): the whole
 * document as one json-c tree, and the fast path that parses one release at
 * a time (mapping-stream.c) and hands everything unusual to the tree.
 */
#include <json-c/json.h>

#include <tdx/mapping.h>

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put);

/* A release while parsing: its position in the file, for messages after sorting. */
struct tdx_parsed_release {
	struct tdx_release r;
	size_t index;
};

/* The release object at tdx_module_releases[index]. */
int tdx_mapping_parse_release(struct json_object *obj, size_t index, struct tdx_release *ret,
			      struct tdx_diag *diag);
/* The "Header" member's value. */
int tdx_mapping_parse_header(struct json_object *hdr, struct tdx_mapping *m, struct tdx_diag *diag);
void tdx_parsed_releases_free(struct tdx_parsed_release *p, size_t n);
/* Sorts p, refuses duplicate versions and moves the releases into m; p is taken either way. */
int tdx_mapping_take_releases(struct tdx_parsed_release *p, size_t n, struct tdx_mapping *m,
			      struct tdx_diag *diag);
/*
 * The fast path: 0 with *ret for a well-formed file, -ENOMEM, or -EAGAIN for
 * anything else (the tree then parses it and words the error).
 */
int tdx_mapping_parse_fast(const char *text, size_t size, struct tdx_mapping **ret);
