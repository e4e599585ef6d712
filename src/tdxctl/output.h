/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Printing, separate from computing: every verb builds library structs (or
 * gets them from tdxd) and hands them here, so the in-process and the bus
 * path print the same text and the same JSON. Messages go to stderr; with
 * --json stdout carries exactly one JSON document.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <json-c/json.h>

#include <tdx/diag.h>
#include <tdx/host.h>
#include <tdx/image.h>
#include <tdx/mapping.h>
#include <tdx/plan.h>
#include <tdx/policy.h>
#include <tdx/store.h>
#include <tdx/update.h>

/*
 * Where output goes: stdout and stderr unless redirected. tdxd renders a
 * verb's output into memory with the same functions (output_set_streams), so
 * tdxctl prints the same bytes whichever side computed them. Not thread-safe:
 * tdxd serialises rendering.
 */
void output_set_streams(FILE *out, FILE *err); /* NULL: stdout/stderr */
FILE *output_out(void);
FILE *output_err(void);
/* --json: every output_*() prints one JSON document instead of text. */
void output_set_json(bool json);
bool output_is_json(void);
/*
 * Colour in the text of status, list and update (never in JSON). tdxctl
 * decides with output_color_wanted(); tdxd renders for a client that asked.
 */
void output_set_color(bool color);
bool output_is_color(void);
/* Both stdout and stderr are terminals, TERM is set and not "dumb", NO_COLOR is unset or empty. */
bool output_color_wanted(void);

/* "tdxctl: <message>\n" on stderr. */
void log_errorv(const char *fmt, va_list ap) _printf_(1, 0);
/* The text of the last error printed ("" when none). */
const char *log_last_error(void);
/* "tdxctl: <message>" on stderr; returns err (a negative errno) for `return log_error(...)`. */
int log_error(int err, const char *fmt, ...) _printf_(2, 3);
/* "<path>: <reason>" from diag (or err), without naming path twice. malloc'ed. */
char *error_at(const char *path, int err, const struct tdx_diag *diag);
/* Prints error_at() as "tdxctl: ..." and returns err. */
int log_error_at(int err, const char *path, const struct tdx_diag *diag);
/* An informational line on stderr (never stdout, so --json output stays clean). */
void log_info(const char *fmt, ...) _printf_(1, 2);

/* Prints a JSON document on stdout (pretty, one trailing newline) and frees it. -ENOMEM for NULL.
 */
int output_json(json_object *o);
/* Adds key=value to o, taking value (freed on failure); -ENOMEM when value or o is NULL. */
int json_add(json_object *o, const char *key, json_object *value);

/* The best update status reports: a plan, "up to date", or why there is none. */
struct cli_best_update {
	bool store_ok; /* false: store unreadable, msg says why */
	int err;       /* 0: target/n_hops valid; -EALREADY: up to date; else no plan */
	struct tdx_version target;
	size_t n_hops;
	char msg[TDX_DIAG_MAX];
};

struct cli_status {
	const struct tdx_host *host;
	int cpu_err;
	uint32_t cpu_signature;
	int fw_status_err; /* 0 or why fw_status is unknown */
	enum tdx_fw_status fw_status;
	const char *store_path;
	struct cli_best_update best;
};
int output_status(const struct cli_status *s);

struct cli_list {
	const struct tdx_store *store;
	const struct tdx_version *running; /* NULL when the module version is unknown */
	const struct tdx_candidate *candidates;
	size_t n_candidates;
};
int output_list(const struct cli_list *l);

/* A plan and the update budget it was computed with. */
struct cli_plan {
	const struct tdx_plan *plan;
	unsigned budget;   /* UINT_MAX: unknown */
	const char *error; /* why there is no plan (JSON "error"), NULL when there is one */
};
int output_plan(const struct cli_plan *p);

/* The result of `update` (and of --dry-run). */
struct cli_update {
	const struct cli_plan *plan;
	bool dry_run;
	bool up_to_date; /* nothing to do: the newest installable version runs */
	bool no_plan;	 /* the planner found no way to the target */
	const struct tdx_hop_result *results;
	size_t n_results;
	int err;	 /* 0, or why the run stopped (pre-flight, lock, ...) */
	const char *msg; /* diag of err */
};
int output_update(const struct cli_update *u);
/* "1.5.06 -> 1.5.10: success (write 0.10 s, install 1.20 s), 28 updates left" */
void output_hop_line(const struct tdx_hop_result *r, FILE *f);
/* The loud multi-line warning for a lost module, on stderr. */
void output_fatal_warning(const struct tdx_hop_result *r);

/* trusted: the signature verifies and its key is on the trusted list. */
int output_image(const struct tdx_image *img, const char *path, bool seamhash_ok, bool trusted);

struct cli_mapping_check {
	const char *path;
	const struct tdx_mapping *mapping; /* NULL when it failed to load */
	const char *error;		   /* the one-line problem when mapping is NULL */
};
int output_mapping_check(const struct cli_mapping_check *m);
