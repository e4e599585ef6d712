// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxctl history [--json]: every update attempt tdxd recorded. From the
 * daemon when it runs, else (or with --direct) from its state file, so the
 * record is readable on a host whose daemon is down after an incident.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bus-module.h"
#include <tdx/tdxd-conf.h>
#include "cli-config.h"
#include <tdx/json.h>
#include "log.h"
#include "render.h"
#include "verbs.h"

static int history_load_direct(struct tdx_history **ret)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = NULL;
	_cleanup_free_ char *path = NULL;
	struct tdx_diag diag = {};
	int r;

	r = cli_config_load(&c);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/%s", c->state_dir, TDX_HISTORY_FILE) < 0)
		return log_error(-ENOMEM, "out of memory");
	r = tdx_history_load(path, ret, &diag);
	if (r < 0)
		return log_error(r, "%s: %s", path, diag.msg);
	return 0;
}

static int history_load(const struct tdxctl_options *o, struct tdx_history **ret)
{
	struct tdx_diag diag = {};
	int r;

	r = o->direct ? -EHOSTDOWN : bus_module_history(ret, &diag);
	if (r == -EHOSTDOWN)
		return history_load_direct(ret);
	if (r < 0)
		return log_error(r, "%s", diag.msg);
	return 0;
}

static void format_time(uint64_t usec, char buf[static 32])
{
	time_t t = (time_t)(usec / USEC_PER_SEC);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, 32, "-");
}

static void format_remaining(const struct tdx_history_record *r, char buf[static 32])
{
	if (r->remaining_before < 0)
		snprintf(buf, 32, "-");
	else if (r->remaining_after < 0)
		snprintf(buf, 32, "%d -> ?", r->remaining_before);
	else
		snprintf(buf, 32, "%d -> %d", r->remaining_before, r->remaining_after);
}

static void history_print(const struct tdx_history *h)
{
	if (h->n_records == 0) {
		printf("No update attempts recorded.\n");
		return;
	}
	printf("%-19s  %-8s  %-8s  %-16s  %-9s  %s\n", "TIME", "FROM", "TO", "RESULT", "SLOTS",
	       "ERROR");
	for (size_t i = 0; i < h->n_records; i++) {
		const struct tdx_history_record *r = &h->records[i];
		char when[32], slots[32];

		format_time(r->time_usec, when);
		format_remaining(r, slots);
		printf("%-19s  %-8s  %-8s  %-16s  %-9s  %s\n", when, r->from[0] ? r->from : "-",
		       r->to[0] ? r->to : "-", r->result, slots, r->error);
	}
}

int verb_history(const struct tdxctl_options *o, int argc, char **argv)
{
	_cleanup_(tdx_history_freep) struct tdx_history *h = NULL;
	int r;

	r = history_load(o, &h);
	if (r < 0)
		return r;
	if (o->json)
		return render_json(&(struct render_ctx){.out = stdout, .err = stderr},
				   tdx_history_to_json(h)) < 0
			       ? CLI_EXIT_FAILURE
			       : CLI_EXIT_SUCCESS;
	history_print(h);
	return CLI_EXIT_SUCCESS;
}
