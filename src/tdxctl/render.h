/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one renderer: text or JSON from the view documents (view.h), whichever
 * back-end produced them (backend.h), so both routes print the same by
 * construction. With json, stdout carries exactly the document; messages go
 * to err. Documents from tdxd are read defensively: a missing key renders as
 * unknown, never as a crash.
 */
#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include <tdx/image.h>
#include <tdx/mapping.h>
#include <tdx/view.h>

struct render_ctx {
	FILE *out;
	FILE *err;
	bool json;
	bool color;
	bool dry_run;
	bool hops_printed; /* update: the hop lines were shown live already */
	const char *hint;  /* update: appended to a lock refusal ("; pass --wait-lock ...") */
};

/* Prints a JSON document on out (pretty, one trailing newline) and frees it. -ENOMEM for NULL. */
int render_json(const struct render_ctx *c, json_object *doc);
/* Ends a document a back-end wrote to out itself (list_write) as render_json ends one. */
int render_json_streamed(const struct render_ctx *c);

/* The verbs' documents; each returns 0 or -errno after printing why. */
int render_status(const struct render_ctx *c, json_object *doc);
/* Named inhibitors (tdx_view_held_inhibitors): one line each with the time left; "none". */
void render_held_inhibitors(const struct render_ctx *c, json_object *keys);
int render_list(const struct render_ctx *c, json_object *doc);
/*
 * The text of list in parts (a back-end's list_each): each candidate as it is
 * made, then the rest of the document (without candidates). -EIO when out failed.
 */
int render_list_candidate(const struct render_ctx *c, json_object *cand);
int render_list_end(const struct render_ctx *c, json_object *doc, size_t n_candidates);
int render_plan(const struct render_ctx *c, json_object *doc);
int render_update(const struct render_ctx *c, json_object *doc);

/* One hop result (tdx_json_hop_result): "1.5.06 -> 1.5.10: success (write ..." */
void render_hop_line(const struct render_ctx *c, json_object *hop);
/* The loud multi-line warning for a lost module, on err. */
void render_fatal_warning(const struct render_ctx *c, json_object *hop);

/* Exit codes (tdxctl(8)) from documents, the one place they are decided. */
int exit_code_of_result(enum tdx_update_result r);
int exit_code_of_document(json_object *doc); /* plan or update: its "result" */
int exit_code_of_status(json_object *doc);   /* status --quiet */

/* Local verbs (blob, mapping): typed, they never cross the bus. */
int render_image(const struct render_ctx *c, const struct tdx_image *img, const char *path,
		 bool seamhash_ok, bool trusted);
struct mapping_check {
	const char *path;
	const struct tdx_mapping *mapping; /* NULL when it failed to load */
	const char *error;		   /* the one-line problem when mapping is NULL */
};
int render_mapping_check(const struct render_ctx *c, const struct mapping_check *m);
