/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where status, list, plan and update get their view documents (view.h):
 * the library in-process (direct) or tdxd (bus). Both return the same
 * documents, render.h draws them, so the route changes where the numbers
 * come from, never what is printed.
 *
 * Every call returns 0 with *ret set, or -errno with b->error holding the
 * one line to show. -EHOSTDOWN from the bus back-end: tdxd is not reachable.
 */
#include <stdio.h>
#include <json-c/json.h>

#include <tdx/diag.h>
#include <tdx/view.h>
#include "render.h"
#include "verbs.h"

struct backend {
	const struct backend_ops *ops;
	const struct tdxctl_options *opts;
	const struct render_ctx *render; /* live progress of an update (direct) */
	void *state;
	char error[2 * TDX_DIAG_MAX];
	const char *refusal_hint; /* update_run: how to get past a refusal, for its line */
};

struct backend_ops {
	int (*status)(struct backend *b, json_object **ret);
	int (*list)(struct backend *b, json_object **ret);
	/*
	 * The list document's --json text written to out as it is made, without the
	 * document (tdx_view_list_write); NULL for a back-end that has only documents.
	 */
	int (*list_write)(struct backend *b, FILE *out);
	/* The list document in parts (tdx_view_list_each); NULL as for list_write. */
	int (*list_each)(struct backend *b, tdx_view_candidate_fn fn, void *userdata,
			 json_object **ret, size_t *ret_n);
	/* target: "" for the newest. */
	int (*plan)(struct backend *b, const char *target, json_object **ret);
	/* The update document before anything runs: result "planned" (with its plan), or the
	 * verdict. */
	int (*update_check)(struct backend *b, const char *target, json_object **ret);
	/* Runs the plan update_check returned (checked); the update document of the outcome. */
	int (*update_run)(struct backend *b, const char *target, json_object *checked,
			  json_object **ret);
	/*
	 * An update that asks nothing (--yes, --dry-run) started without update_check
	 * first: the update document of the outcome, as update_run's. -EAGAIN: nothing
	 * started (refused, or the back-end wants the check first), so update_check
	 * then update_run say why in their own words. NULL: always check first.
	 */
	int (*update_unchecked)(struct backend *b, const char *target, json_object **ret);
	void (*close)(struct backend *b);
};

/* -errno with b->error set to the formatted line; for `return backend_fail(b, r, ...)`. */
int backend_fail(struct backend *b, int err, const char *fmt, ...) _printf_(3, 4);

int backend_direct_open(struct backend *b);
/* -EHOSTDOWN when there is no bus (no fallback decided here). */
int backend_bus_open(struct backend *b);
void backend_close(struct backend *b);
