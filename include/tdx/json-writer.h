/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A streaming JSON writer: values go straight to a FILE, no tree is built.
 * For documents too large to build as json-c objects first (the list of a
 * 10,000-image store). The bytes are exactly json-c's
 * json_object_to_json_string_ext() with JSON_C_TO_STRING_NOSLASHESCAPE (and
 * _PRETTY with TDX_JSON_WRITE_PRETTY), followed by tdx_utf8_sanitize(): the
 * same escapes, layout and '?' for every byte that is not valid UTF-8, so
 * either path may serve a document and a reader cannot tell which did.
 *
 * Calls take the key inside an object and NULL inside an array or at the
 * top. Write errors stick in the FILE; tdx_json_writer_finish() reports them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TDX_JSON_WRITER_DEPTH_MAX 32u

enum {
	TDX_JSON_WRITE_PRETTY = 1u << 0, /* json-c's JSON_C_TO_STRING_PRETTY: two spaces */
};

struct tdx_json_writer {
	FILE *f;
	bool pretty;
	unsigned depth;	    /* open containers */
	uint32_t has_items; /* bit d: the container at depth d + 1 has a value already */
	bool overflow;	    /* nested deeper than TDX_JSON_WRITER_DEPTH_MAX */
};

void tdx_json_writer_init(struct tdx_json_writer *w, FILE *f, unsigned flags);
void tdx_json_write_object_begin(struct tdx_json_writer *w, const char *key);
void tdx_json_write_object_end(struct tdx_json_writer *w);
void tdx_json_write_array_begin(struct tdx_json_writer *w, const char *key);
void tdx_json_write_array_end(struct tdx_json_writer *w);
/* s NULL writes null. */
void tdx_json_write_string(struct tdx_json_writer *w, const char *key, const char *s);
void tdx_json_write_null(struct tdx_json_writer *w, const char *key);
void tdx_json_write_bool(struct tdx_json_writer *w, const char *key, bool b);
void tdx_json_write_int(struct tdx_json_writer *w, const char *key, int64_t v);
/*
 * Flushes; 0, -EIO when a write failed, -EINVAL when the containers do not
 * balance or nested too deep (a caller's bug).
 */
int tdx_json_writer_finish(struct tdx_json_writer *w);
