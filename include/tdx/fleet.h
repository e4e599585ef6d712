/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * What a fleet's tools read from a host (issue 10): a Prometheus textfile for
 * node_exporter's textfile collector (metrics.c) and a feature file for
 * node-feature-discovery's local source (labels.c). Both are rendered from
 * one struct of facts that tdxd fills from its cache, and written with a
 * temporary name the consumer ignores, fsync and rename, so a reader never
 * sees a partial file.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/diag.h>

/* The fixed, small result set of tdx_module_updates_total{result}. */
enum tdx_metrics_result {
	TDX_METRICS_RESULT_SUCCESS = 0,
	TDX_METRICS_RESULT_REFUSED, /* the kernel refused; the old module kept running */
	TDX_METRICS_RESULT_BUSY,
	TDX_METRICS_RESULT_TIMEOUT,
	TDX_METRICS_RESULT_IO_ERROR,
	TDX_METRICS_RESULT_FATAL,	     /* module lost */
	TDX_METRICS_RESULT_VETOED,	     /* inhibitor or pre-update hook */
	TDX_METRICS_RESULT_PREFLIGHT_FAILED, /* a check failed; nothing written */
	TDX_METRICS_RESULT_NO_PLAN,
	TDX_METRICS_RESULT_FAILED, /* anything else */
	TDX_METRICS_RESULT_MAX,
};
/* The label value ("io_error"); NULL out of range. */
const char *tdx_metrics_result_to_string(enum tdx_metrics_result r);
/*
 * Maps a history record's result ("io-error", "preflight-failed", ...).
 * Returns -ENOENT for "up-to-date" and "dry-run-passed", which are not
 * update attempts; anything unknown is FAILED.
 */
int tdx_metrics_result_from_history(const char *result);

enum tdx_fleetlock_api {
	TDX_FLEETLOCK_PRE_REBOOT = 0, /* take a slot */
	TDX_FLEETLOCK_STEADY_STATE,   /* release it */
	TDX_FLEETLOCK_API_MAX,
};
/* "pre_reboot", "steady_state": Zincati's api label values. */
const char *tdx_fleetlock_api_to_string(enum tdx_fleetlock_api a);

/* Distinct error kinds kept per daemon; later new kinds count as "other". */
#define TDX_FLEET_MAX_ERROR_KINDS 16u
#define TDX_FLEET_KIND_MAX	  64u

struct tdx_fleetlock_error_count {
	enum tdx_fleetlock_api api;
	char kind[TDX_FLEET_KIND_MAX];
	uint64_t n;
};

struct tdx_fleetlock_counters {
	uint64_t requests[TDX_FLEETLOCK_API_MAX];
	struct tdx_fleetlock_error_count errors[TDX_FLEET_MAX_ERROR_KINDS];
	size_t n_errors;
};
/* Counts one request, and its error kind unless kind is NULL (HTTP 200). */
void tdx_fleetlock_count(struct tdx_fleetlock_counters *c, enum tdx_fleetlock_api api,
			 const char *kind);

struct tdx_fleet_facts {
	const char *module_version;  /* "1.5.06"; "" unknown (lost, absent) */
	const char *seamldr_version; /* "" unknown */
	const char *mrseam;	     /* 96 hex digits of the running module; "" unknown */
	int64_t remaining_updates;   /* -1 unknown */
	bool runtime_update;
	bool module_lost;
	bool update_available;
	unsigned inhibitors;
	uint64_t updates[TDX_METRICS_RESULT_MAX]; /* attempts in the history, by result */
	bool last_known;			  /* some attempt is in the history */
	uint64_t last_time_usec;		  /* its end, CLOCK_REALTIME */
	bool last_success;
	const struct tdx_fleetlock_counters *fleetlock; /* NULL: no FleetLock */
};

#define TDX_METRICS_FILE "tdxd.prom"
/* Not *.prom: node_exporter's textfile collector reads only that glob. */
#define TDX_METRICS_TMP_FILE ".tdxd.prom.tmp"
/*
 * The text exposition format: HELP and TYPE for every family, no
 * timestamps, label values escaped. *ret is malloc'ed and NUL terminated.
 */
int tdx_metrics_render(const struct tdx_fleet_facts *f, char **ret);

/* NFD's local source: features.d/<name>; dot files are ignored. */
#define TDX_LABELS_FILE	    "tdxctl"
#define TDX_LABELS_TMP_FILE ".tdxctl"
#define TDX_LABELS_MAX_SIZE 65535u /* NFD ignores a file of 64 KiB or more */
#define TDX_LABEL_VALUE_MAX 63u
/*
 * The feature file: "<ns>/<name>=<value>" lines after "# +expiry-time=" (RFC
 * 3339, UTC, expiry_usec CLOCK_REALTIME), MRSEAM under "# +no-label". Every
 * key and value is checked against Kubernetes' rules (-EINVAL with diag
 * naming it otherwise, never a file NFD would reject).
 */
int tdx_labels_render(const struct tdx_fleet_facts *f, const char *ns, uint64_t expiry_usec,
		      char **ret, struct tdx_diag *diag);
/* Kubernetes' label value rule: <= 63, (([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])? */
bool tdx_label_value_valid(const char *v);
/* A qualified key "<DNS subdomain>/<name>", name <= 63 of the value alphabet, non-empty. */
bool tdx_label_key_valid(const char *k);
