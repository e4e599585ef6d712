/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The record of every update attempt, kept by tdxd in <state dir>/history.json
 * as {"version":1,"records":[...]}, oldest first, bounded in length, replaced
 * atomically on every append. Read by `tdxctl history`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <tdx/diag.h>

#define TDX_HISTORY_FILE      "history.json"
#define TDX_HISTORY_MAX_SIZE  (64u * 1024 * 1024)
#define TDX_HISTORY_FIELD_MAX 256

struct tdx_history_record {
	char boot_id[33];   /* 32 hex digits, or "" */
	uint64_t time_usec; /* CLOCK_REALTIME */
	char from[40];	    /* "1.5.06" or "" */
	char to[40];
	char image_sha256[65];	  /* hex or "" when no image was loaded */
	char seamldr[40];	  /* P-SEAMLDR version, or "" */
	int32_t remaining_before; /* -1: unknown */
	int32_t remaining_after;
	char result[32];		   /* "success", "refused", "fatal", "vetoed", ... */
	char error[TDX_HISTORY_FIELD_MAX]; /* one line; "" on success */
};

struct tdx_history {
	struct tdx_history_record *records;
	size_t n_records;
};

int tdx_history_new(struct tdx_history **ret);
struct tdx_history *tdx_history_free(struct tdx_history *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tdx_history *, tdx_history_free);

/* Parses the file's JSON text. -EBADMSG (syntax) or -EINVAL (shape) with diag. */
int tdx_history_parse(const char *text, size_t size, struct tdx_history **ret,
		      struct tdx_diag *diag);
/* Loads path; a missing file is an empty history. */
int tdx_history_load(const char *path, struct tdx_history **ret, struct tdx_diag *diag);
/* Appends a copy of rec, dropping the oldest records beyond max. */
int tdx_history_append(struct tdx_history *h, const struct tdx_history_record *rec, size_t max);
/* Writes h to path atomically (0644). */
int tdx_history_save(const struct tdx_history *h, const char *path);
/*
 * Renames a file that does not parse to "<path>.corrupt-<unix time>" so the
 * daemon can start with an empty history without losing the evidence.
 * *ret_new (optional) gets the new name.
 */
int tdx_history_quarantine(const char *path, uint64_t now_usec, char **ret_new);

json_object *tdx_history_record_to_json(const struct tdx_history_record *rec);
json_object *tdx_history_to_json(const struct tdx_history *h);
/* Fills rec from one JSON record; -EINVAL with diag naming the bad field. */
int tdx_history_record_from_json(json_object *o, struct tdx_history_record *rec,
				 struct tdx_diag *diag);
/* Copies s into a fixed field, truncating and replacing control characters. */
void tdx_history_set_field(char *field, size_t size, const char *s);
