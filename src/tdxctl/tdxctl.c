/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tdxctl: command line parsing and verb dispatch. Each verb computes its
 * result with the library and prints it through output.c; status, list,
 * plan and update are routed to tdxd unless --direct (route.c), where the
 * same verb code renders the output.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "output.h"
#include "sysfs.h"
#include "update.h"
#include "bus-client.h"
#include "inhibit-named.h"
#include "verbs.h"

#define TDXCTL_STORE_ENV	"TDXCTL_STORE"
#define TDXCTL_TRUSTED_KEYS_ENV "TDXCTL_TRUSTED_SIGNING_KEYS"

enum {
	ARG_VERSION = 0x100,
	ARG_DIRECT,
	ARG_SYSFS_ROOT,
	ARG_STORE,
	ARG_CPU_SIGNATURE,
	ARG_RESERVE,
	ARG_STRICT_COMPAT,
	ARG_ALLOW_DEBUG,
	ARG_REINSTALL,
	ARG_JSON,
	ARG_DRY_RUN,
	ARG_TIMEOUT,
	ARG_WAIT_LOCK,
	ARG_FORMAT,
	ARG_WHO,
	ARG_WHY,
	ARG_TRUSTED_KEYS,
	ARG_HOLD,
	ARG_RELEASE,
	ARG_LIST,
	ARG_TTL,
};

static const struct option options[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, ARG_VERSION},
	{"direct", no_argument, NULL, ARG_DIRECT},
	{"sysfs-root", required_argument, NULL, ARG_SYSFS_ROOT},
	{"store", required_argument, NULL, ARG_STORE},
	{"cpu-signature", required_argument, NULL, ARG_CPU_SIGNATURE},
	{"reserve", required_argument, NULL, ARG_RESERVE},
	{"strict-compat", no_argument, NULL, ARG_STRICT_COMPAT},
	{"allow-debug", no_argument, NULL, ARG_ALLOW_DEBUG},
	{"reinstall", no_argument, NULL, ARG_REINSTALL},
	{"json", no_argument, NULL, ARG_JSON},
	{"quiet", no_argument, NULL, 'q'},
	{"dry-run", no_argument, NULL, ARG_DRY_RUN},
	{"yes", no_argument, NULL, 'y'},
	{"timeout", required_argument, NULL, ARG_TIMEOUT},
	{"wait-lock", no_argument, NULL, ARG_WAIT_LOCK},
	{"format", required_argument, NULL, ARG_FORMAT},
	{"who", required_argument, NULL, ARG_WHO},
	{"why", required_argument, NULL, ARG_WHY},
	{"trusted-keys", required_argument, NULL, ARG_TRUSTED_KEYS},
	{"hold", required_argument, NULL, ARG_HOLD},
	{"release", required_argument, NULL, ARG_RELEASE},
	{"list", no_argument, NULL, ARG_LIST},
	{"ttl", required_argument, NULL, ARG_TTL},
	{}};

static int parse_timeout(const char *s, uint64_t *ret)
{
	unsigned secs;

	if (tdx_parse_uint32(s, &secs) < 0 || secs == 0 || secs > 24 * 3600)
		return -EINVAL;
	*ret = secs * USEC_PER_SEC;
	return 0;
}

/* Remembers the first option that tdxd cannot honour, for the routing (route.c). */
static void direct_only_option(const char *name)
{
	if (!arg_direct_only_option)
		arg_direct_only_option = name;
}

static int parse_trusted_keys(const char *what, const char *text)
{
	struct tdx_diag diag = {};
	int r;

	r = tdx_trusted_keys_parse(text, &arg_trusted_keys, &diag);
	if (r < 0)
		return log_error(r, "%s: %s", what, diag.msg);
	return 0;
}

/* --help names the verb's help when a verb is given, wherever --help stands. */
static bool arg_help;

static int parse_option(int c, const char *optarg_value)
{
	switch (c) {
	case 'h':
		arg_help = true;
		return 1;
	case ARG_VERSION:
		printf("tdxctl %s\n", PACKAGE_VERSION);
		return 0;
	case ARG_DIRECT:
		arg_direct = true;
		return 1;
	case ARG_WHO:
		arg_inhibit_who = optarg_value;
		return 1;
	case ARG_WHY:
		arg_inhibit_why = optarg_value;
		return 1;
	case ARG_HOLD:
		arg_inhibit_hold = optarg_value;
		return 1;
	case ARG_RELEASE:
		arg_inhibit_release = optarg_value;
		return 1;
	case ARG_LIST:
		arg_inhibit_list = true;
		return 1;
	case ARG_TTL:
		if (tdx_parse_uint32(optarg_value, &arg_inhibit_ttl_sec) < 0)
			return log_error(-EINVAL, "--ttl: \"%s\" is not a number of seconds",
					 optarg_value);
		return 1;
	case ARG_SYSFS_ROOT:
		direct_only_option("--sysfs-root");
		arg_sysfs_root = optarg_value;
		return 1;
	case ARG_STORE:
		direct_only_option("--store");
		arg_store = optarg_value;
		return 1;
	case ARG_CPU_SIGNATURE:
		direct_only_option("--cpu-signature");
		if (tdx_cpu_signature_parse(optarg_value, &arg_cpu_signature) < 0)
			return log_error(-EINVAL, "--cpu-signature: \"%s\" is not a CPU signature",
					 optarg_value);
		arg_cpu_signature_set = true;
		return 1;
	case ARG_RESERVE:
		direct_only_option("--reserve");
		if (tdx_parse_uint32(optarg_value, &arg_reserve) < 0)
			return log_error(-EINVAL, "--reserve: \"%s\" is not a number",
					 optarg_value);
		return 1;
	case ARG_STRICT_COMPAT:
		direct_only_option("--strict-compat");
		arg_strict_compat = true;
		return 1;
	case ARG_ALLOW_DEBUG:
		arg_allow_debug = true;
		return 1;
	case ARG_REINSTALL:
		arg_reinstall = true;
		return 1;
	case ARG_JSON:
		arg_json = true;
		return 1;
	case 'q':
		arg_quiet = true;
		return 1;
	case ARG_DRY_RUN:
		arg_dry_run = true;
		return 1;
	case 'y':
		arg_yes = true;
		return 1;
	case ARG_TIMEOUT:
		direct_only_option("--timeout");
		if (parse_timeout(optarg_value, &arg_timeout_usec) < 0)
			return log_error(-EINVAL, "--timeout: \"%s\" is not a number of seconds",
					 optarg_value);
		return 1;
	case ARG_WAIT_LOCK:
		direct_only_option("--wait-lock");
		arg_wait_lock = true;
		return 1;
	case ARG_TRUSTED_KEYS:
		direct_only_option("--trusted-keys");
		if (parse_trusted_keys("--trusted-keys", optarg_value) < 0)
			return -EINVAL;
		arg_trusted_keys_set = true;
		return 1;
	case ARG_FORMAT:
		if (tdx_image_format_from_string(optarg_value, &arg_format) < 0)
			return log_error(-EINVAL, "--format: \"%s\" is not 0x100 or 0x200",
					 optarg_value);
		return 1;
	default:
		/* getopt_long already printed what was wrong. */
		return -EINVAL;
	}
}

/* 1: go on, 0: done (help, version), <0: usage error. */
static int parse_argv(int argc, char *argv[])
{
	int c;

	while ((c = getopt_long(argc, argv, "hqy", options, NULL)) >= 0) {
		int r = parse_option(c, optarg);
		if (r <= 0)
			return r;
	}
	if (arg_help) {
		help(optind < argc ? argv[optind] : NULL);
		return 0;
	}
	return 1;
}

static int apply_environment(void)
{
	const char *e;

	if (!arg_sysfs_root)
		arg_sysfs_root = tdx_sysfs_default_root();
	if (!arg_store) {
		e = secure_getenv(TDXCTL_STORE_ENV);
		arg_store = e && *e ? e : TDX_STORE_DEFAULT_PATH;
	}
	if (!arg_trusted_keys_set) {
		e = secure_getenv(TDXCTL_TRUSTED_KEYS_ENV);
		return parse_trusted_keys("$" TDXCTL_TRUSTED_KEYS_ENV, e ? e : "");
	}
	return 0;
}

struct verb {
	const char *name;
	int min_args; /* counting the verb itself */
	int max_args;
	int (*run)(int argc, char **argv);
	bool routed; /* runs in tdxd unless --direct (route.c) */
};

static const struct verb verbs[] = {
	{"status", 1, 1, verb_status, true},
	{"list", 1, 1, verb_list, true},
	{"plan", 1, 2, verb_plan, true},
	{"update", 1, 2, verb_update, true},
	{"blob", 2, 5, verb_blob, false},
	{"mapping", 2, 3, verb_mapping, false},
	{"history", 1, 1, verb_history, false},
	{"inhibit", 1, INT_MAX, verb_inhibit, false},
	{"reboot-required", 1, 1, verb_reboot_required, false},
};

static int dispatch(int argc, char **argv)
{
	if (argc < 1)
		return cli_usage_error("a command is needed, see --help");

	for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
		const struct verb *v = &verbs[i];

		if (strcmp(argv[0], v->name) != 0)
			continue;
		if (argc < v->min_args)
			return cli_usage_error("%s: too few arguments", v->name);
		if (argc > v->max_args)
			return cli_usage_error("%s: too many arguments", v->name);
		/* Its exit codes mean something only for status: refuse rather than ignore. */
		if (arg_quiet && strcmp(v->name, "status") != 0)
			return cli_usage_error("--quiet: only status takes it");
		return v->routed ? route_verb(v->name, argc, argv, v->run) : v->run(argc, argv);
	}
	return cli_usage_error("unknown command \"%s\", see --help", argv[0]);
}

int main(int argc, char *argv[])
{
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? CLI_EXIT_USAGE : CLI_EXIT_SUCCESS;
	if (apply_environment() < 0)
		return CLI_EXIT_USAGE;
	output_set_json(arg_json);
	output_set_color(!arg_json && output_color_wanted());

	/* Verbs return an exit code, or -errno after printing why they failed. */
	r = dispatch(argc - optind, argv + optind);
	return r < 0 ? CLI_EXIT_FAILURE : r;
}
