// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxctl inhibit --hold=KEY --ttl=SEC --who=W [--why=Y] | --release=KEY |
 * --list: named inhibitors with a lifetime, for holders that exit at once
 * (libvirt's hooks, see tdxctl-vmm(7)). Through tdxd (HoldInhibitor,
 * ReleaseInhibitor: polkit, per-uid caps, journal entries); with --direct,
 * or when tdxd cannot be reached, the library writes the key file beside
 * the update lock itself. Either way every update path honours the key.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus-module.h"
#include "cli-config.h"
#include <tdx/tdxd-conf.h>
#include "bus-names.h"
#include <tdx/inhibit-keys.h>
#include "inhibit-named.h"
#include <tdx/json.h>
#include <tdx/lock.h>
#include "log.h"
#include "render.h"
#include "verbs.h"

/* Without tdxd nobody else removes expired keys: we do, and log them. */
static void sweep_local(void)
{
	_cleanup_(tdx_inhibit_keys_done) struct tdx_inhibit_keys keys = {0};

	if (tdx_inhibit_keys_list(NULL, NULL, true, &keys, NULL) < 0)
		return;
	for (size_t i = 0; i < keys.n_expired; i++) {
		bus_module_journal_key(TDX_MESSAGE_INHIBIT_EXPIRED, "expired without a release",
				       &keys.expired[i]);
		log_info("inhibitor key %s expired without a release (who=%s)", keys.expired[i].key,
			 keys.expired[i].who);
	}
}

static int hold_local(const struct tdxctl_options *o, uint64_t *ret_expires_realtime)
{
	_cleanup_(tdx_config_freep) struct tdx_config *c = NULL;
	struct tdx_inhibit_hold_req req = {
		.key = o->inhibit_hold,
		.who = o->inhibit_who,
		.why = o->inhibit_why ?: "",
		.uid = (uint32_t)geteuid(),
		.ttl_usec = (uint64_t)o->inhibit_ttl_sec * USEC_PER_SEC,
	};
	struct tdx_diag diag = {""};
	struct tdx_inhibit_key k;
	int r;

	r = cli_config_load(&c);
	if (r < 0)
		return r;
	req.max_ttl_usec = c->inhibit_max_hold_usec;
	sweep_local();
	r = tdx_inhibit_key_hold(NULL, &req, NULL, &k, &diag);
	if (r < 0)
		return log_error(r, "inhibit --hold=%s: %s", o->inhibit_hold, diag.msg);
	bus_module_journal_key(TDX_MESSAGE_INHIBIT_HELD, "held", &k);
	*ret_expires_realtime = k.expires_realtime_usec;
	return 0;
}

static int release_local(const struct tdxctl_options *o, bool *ret_was_held)
{
	struct tdx_diag diag = {""};
	struct tdx_inhibit_key k = {0};
	int r;

	(void)tdx_inhibit_key_get(NULL, o->inhibit_release, NULL, &k, NULL);
	r = tdx_inhibit_key_release(NULL, o->inhibit_release, &diag);
	if (r < 0)
		return log_error(r, "inhibit --release=%s: %s", o->inhibit_release, diag.msg);
	if (r > 0) {
		snprintf(k.key, sizeof(k.key), "%s", o->inhibit_release);
		bus_module_journal_key(TDX_MESSAGE_INHIBIT_RELEASED, "released", &k);
	}
	sweep_local();
	*ret_was_held = r > 0;
	return 0;
}

/* Runs the bus call, or the local one when tdxd is not there (or --direct). */
static int hold_or_release(const struct tdxctl_options *o, uint64_t *ret_expires,
			   bool *ret_was_held)
{
	struct tdx_diag diag = {""};
	int r;

	if (o->direct)
		r = -EHOSTDOWN;
	else if (o->inhibit_hold)
		r = bus_module_hold_key(o, ret_expires, &diag);
	else
		r = bus_module_release_key(o, ret_was_held, &diag);
	if (r == -EHOSTDOWN)
		return o->inhibit_hold ? hold_local(o, ret_expires)
				       : release_local(o, ret_was_held);
	if (r < 0)
		return log_error(r, "%s", diag.msg);
	return 0;
}

static void print_expiry(const char *key, uint64_t expires_realtime)
{
	time_t t = (time_t)(expires_realtime / USEC_PER_SEC);
	char when[64] = "";
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
	printf("%s held until %s\n", key, when);
}

static int list_held(const struct tdxctl_options *o)
{
	_cleanup_(tdx_inhibit_keys_done) struct tdx_inhibit_keys keys = {0};
	struct tdx_diag diag = {""};
	int r;

	r = tdx_inhibit_keys_list(NULL, NULL, false, &keys, &diag);
	if (r < 0)
		return log_error(r, "inhibit --list: %s", diag.msg);
	_cleanup_(json_object_putp) json_object *doc = tdx_view_held_inhibitors(&keys);
	struct render_ctx c = {.out = stdout, .err = stderr};

	if (!doc)
		return log_error(-ENOMEM, "out of memory");
	if (o->json)
		return render_json(&c, TAKE_PTR(doc));
	render_held_inhibitors(&c, doc);
	return 0;
}

static int named_usage_check(const struct tdxctl_options *o, int argc)
{
	int n = !!o->inhibit_hold + !!o->inhibit_release + o->inhibit_list;

	if (n > 1)
		return cli_usage_error("inhibit: --hold, --release and --list exclude each other");
	if (argc > 1)
		return cli_usage_error("inhibit: --hold, --release and --list take no command");
	if (o->inhibit_hold && (!o->inhibit_who || !o->inhibit_who[0]))
		return cli_usage_error("inhibit --hold: --who is required");
	if (o->inhibit_hold && o->inhibit_ttl_sec == 0)
		return cli_usage_error("inhibit --hold: --ttl must be at least 1 second");
	return 0;
}

int verb_inhibit_named(const struct tdxctl_options *o, int argc, char **argv)
{
	struct tdx_diag diag = {""};
	uint64_t expires = 0;
	bool was_held = false;
	int r;

	r = named_usage_check(o, argc);
	if (r != 0)
		return r;
	if (o->inhibit_list)
		return list_held(o);
	r = tdx_inhibit_key_validate(o->inhibit_hold ?: o->inhibit_release, &diag);
	if (r < 0)
		return cli_usage_error("inhibit: %s", diag.msg);
	r = hold_or_release(o, &expires, &was_held);
	if (r < 0)
		return r;
	if (o->inhibit_hold)
		print_expiry(o->inhibit_hold, expires);
	else
		printf("%s %s\n", o->inhibit_release, was_held ? "released" : "was not held");
	return CLI_EXIT_SUCCESS;
}
