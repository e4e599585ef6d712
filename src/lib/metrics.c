// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxd.prom for node_exporter's textfile collector. Names follow Prometheus'
 * conventions and Zincati's FleetLock metrics; every family has HELP and
 * TYPE (node_exporter calls a file with different HELP texts for one name
 * an error), no sample has a timestamp (the collector rejects them), and
 * label values are escaped. Families with nothing to say keep their HELP and
 * TYPE so that the set of names is the same on every host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/fleet.h>
#include <tdx/macro.h>
#include <tdx/string-table.h>

static const char *const tdx_metrics_result_table[TDX_METRICS_RESULT_MAX] = {
	[TDX_METRICS_RESULT_SUCCESS] = "success",
	[TDX_METRICS_RESULT_REFUSED] = "refused",
	[TDX_METRICS_RESULT_BUSY] = "busy",
	[TDX_METRICS_RESULT_TIMEOUT] = "timeout",
	[TDX_METRICS_RESULT_IO_ERROR] = "io_error",
	[TDX_METRICS_RESULT_FATAL] = "fatal",
	[TDX_METRICS_RESULT_VETOED] = "vetoed",
	[TDX_METRICS_RESULT_PREFLIGHT_FAILED] = "preflight_failed",
	[TDX_METRICS_RESULT_NO_PLAN] = "no_plan",
	[TDX_METRICS_RESULT_FAILED] = "failed",
};

static const char *const tdx_fleetlock_api_table[TDX_FLEETLOCK_API_MAX] = {
	[TDX_FLEETLOCK_PRE_REBOOT] = "pre_reboot",
	[TDX_FLEETLOCK_STEADY_STATE] = "steady_state",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_metrics_result, enum tdx_metrics_result, );
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_fleetlock_api, enum tdx_fleetlock_api, );

int tdx_metrics_result_from_history(const char *result)
{
	if (strcmp(result, "up-to-date") == 0 || strcmp(result, "dry-run-passed") == 0)
		return -ENOENT;
	for (size_t i = 0; i < ELEMENTSOF(tdx_metrics_result_table); i++) {
		const char *n = tdx_metrics_result_table[i];
		size_t len = strlen(n);

		/* History spells them with '-' ("io-error"), labels with '_'. */
		if (strlen(result) == len) {
			size_t j = 0;

			while (j < len && (result[j] == n[j] || (result[j] == '-' && n[j] == '_')))
				j++;
			if (j == len)
				return (int)i;
		}
	}
	return TDX_METRICS_RESULT_FAILED;
}

static struct tdx_fleetlock_error_count *error_find(struct tdx_fleetlock_counters *c,
						    enum tdx_fleetlock_api api, const char *kind)
{
	for (size_t i = 0; i < c->n_errors; i++)
		if (c->errors[i].api == api && strcmp(c->errors[i].kind, kind) == 0)
			return &c->errors[i];
	return NULL;
}

static struct tdx_fleetlock_error_count *error_add(struct tdx_fleetlock_counters *c,
						   enum tdx_fleetlock_api api, const char *kind)
{
	struct tdx_fleetlock_error_count *e = &c->errors[c->n_errors++];

	e->api = api;
	e->n = 0;
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	return e;
}

void tdx_fleetlock_count(struct tdx_fleetlock_counters *c, enum tdx_fleetlock_api api,
			 const char *kind)
{
	struct tdx_fleetlock_error_count *e;

	c->requests[api]++;
	if (!kind)
		return;
	e = error_find(c, api, kind);
	/* One slot per api stays for "other": a server's unbounded kinds cannot grow this. */
	if (!e && c->n_errors < TDX_FLEET_MAX_ERROR_KINDS - TDX_FLEETLOCK_API_MAX)
		e = error_add(c, api, kind);
	if (!e)
		e = error_find(c, api, "other") ?: error_add(c, api, "other");
	e->n++;
}

/* The exposition format's label value escapes: backslash, double quote, newline. */
static void put_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_gauge(FILE *f, const char *name, const char *help, bool known, int64_t value)
{
	put_family(f, name, "gauge", help);
	if (known)
		fprintf(f, "%s %lld\n", name, (long long)value);
}

static void put_module_info(FILE *f, const struct tdx_fleet_facts *x)
{
	put_family(f, "tdx_module_info", "gauge",
		   "The running TDX module: version, P-SEAMLDR version and MRSEAM (value 1).");
	if (!x->module_version[0])
		return;
	fputs("tdx_module_info{version=\"", f);
	put_label_value(f, x->module_version);
	fputs("\",seamldr_version=\"", f);
	put_label_value(f, x->seamldr_version);
	fputs("\",mrseam=\"", f);
	put_label_value(f, x->mrseam);
	fputs("\"} 1\n", f);
}

static void put_updates(FILE *f, const struct tdx_fleet_facts *x)
{
	put_family(f, "tdx_module_updates_total", "counter",
		   "Update attempts recorded in tdxd's history, by result.");
	for (size_t i = 0; i < TDX_METRICS_RESULT_MAX; i++)
		fprintf(f, "tdx_module_updates_total{result=\"%s\"} %llu\n",
			tdx_metrics_result_table[i], (unsigned long long)x->updates[i]);
	put_family(f, "tdx_module_last_update_timestamp_seconds", "gauge",
		   "End of the last update attempt in tdxd's history (Unix time).");
	if (x->last_known)
		fprintf(f, "tdx_module_last_update_timestamp_seconds %llu.%06llu\n",
			(unsigned long long)(x->last_time_usec / 1000000),
			(unsigned long long)(x->last_time_usec % 1000000));
	put_gauge(f, "tdx_module_last_update_success",
		  "1 if the last update attempt in tdxd's history succeeded.", x->last_known,
		  x->last_success);
}

static void put_fleetlock(FILE *f, const struct tdx_fleetlock_counters *c)
{
	put_family(f, "tdx_fleetlock_requests_total", "counter",
		   "FleetLock requests made since tdxd started, by api.");
	for (size_t a = 0; c && a < TDX_FLEETLOCK_API_MAX; a++)
		fprintf(f, "tdx_fleetlock_requests_total{api=\"%s\"} %llu\n",
			tdx_fleetlock_api_table[a], (unsigned long long)c->requests[a]);
	put_family(f, "tdx_fleetlock_errors_total", "counter",
		   "FleetLock requests that failed since tdxd started, by api and error kind.");
	for (size_t i = 0; c && i < c->n_errors; i++) {
		fprintf(f, "tdx_fleetlock_errors_total{api=\"%s\",kind=\"",
			tdx_fleetlock_api_table[c->errors[i].api]);
		put_label_value(f, c->errors[i].kind);
		fprintf(f, "\"} %llu\n", (unsigned long long)c->errors[i].n);
	}
}

int tdx_metrics_render(const struct tdx_fleet_facts *x, char **ret)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return -ENOMEM;
	put_module_info(f, x);
	put_gauge(f, "tdx_seamldr_remaining_updates",
		  "Runtime updates the P-SEAMLDR still allows (num_remaining_updates).",
		  x->remaining_updates >= 0, x->remaining_updates);
	put_gauge(f, "tdx_module_runtime_update_supported",
		  "1 if the kernel offers runtime update of the TDX module.", true,
		  x->runtime_update);
	put_gauge(f, "tdx_module_lost",
		  "1 if the TDX module is lost: every TD is gone and the host needs a reboot.",
		  true, x->module_lost);
	put_gauge(f, "tdx_module_update_available",
		  "1 if the module store has an installable newer module.", true,
		  x->update_available);
	put_updates(f, x);
	put_gauge(f, "tdx_inhibitors", "Update inhibitors held now.", true, x->inhibitors);
	put_fleetlock(f, x->fleetlock);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}
