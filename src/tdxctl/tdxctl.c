/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tdxctl: command line parsing and verb dispatch. The options live here,
 * file-static as in systemd's *ctl tools, and reach the verbs as one
 * explicit struct tdxctl_options. status, list, plan and update get their
 * documents from tdxd or the library (route.c) and render.c draws them.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <unistd.h>

#include <tdx/cpu.h>
#include <tdx/fwupload.h>
#include "log.h"
#include <tdx/sysfs.h>
#include <tdx/update.h>
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

static struct tdxctl_options arg = {
	.reserve = TDX_DEFAULT_RESERVE,
	.timeout_usec = TDX_FWUPLOAD_DEFAULT_TIMEOUT_USEC,
	.format = TDX_IMAGE_FORMAT_INVALID,
	.inhibit_ttl_sec = 600,
};
static bool arg_trusted_keys_set;

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errorv(fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

/*
 * The terminal rule of systemd (on_tty(), getenv_terminal_is_dumb()) and
 * no-color.org: both streams on a terminal, TERM set and not "dumb", NO_COLOR
 * unset or empty.
 */
static bool color_wanted(void)
{
	const char *term = getenv("TERM"), *no_color = getenv("NO_COLOR");

	if (no_color && *no_color)
		return false;
	if (!term || strcmp(term, "dumb") == 0)
		return false;
	return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

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
	if (!arg.direct_only_option)
		arg.direct_only_option = name;
}

static int parse_trusted_keys(const char *what, const char *text)
{
	struct tdx_diag diag = {};
	int r;

	r = tdx_trusted_keys_parse(text, &arg.trusted_keys, &diag);
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
		arg.direct = true;
		return 1;
	case ARG_WHO:
		arg.inhibit_who = optarg_value;
		return 1;
	case ARG_WHY:
		arg.inhibit_why = optarg_value;
		return 1;
	case ARG_HOLD:
		arg.inhibit_hold = optarg_value;
		return 1;
	case ARG_RELEASE:
		arg.inhibit_release = optarg_value;
		return 1;
	case ARG_LIST:
		arg.inhibit_list = true;
		return 1;
	case ARG_TTL:
		if (tdx_parse_uint32(optarg_value, &arg.inhibit_ttl_sec) < 0)
			return log_error(-EINVAL, "--ttl: \"%s\" is not a number of seconds",
					 optarg_value);
		return 1;
	case ARG_SYSFS_ROOT:
		direct_only_option("--sysfs-root");
		arg.sysfs_root = optarg_value;
		return 1;
	case ARG_STORE:
		direct_only_option("--store");
		arg.store = optarg_value;
		return 1;
	case ARG_CPU_SIGNATURE:
		direct_only_option("--cpu-signature");
		if (tdx_cpu_signature_parse(optarg_value, &arg.cpu_signature) < 0)
			return log_error(-EINVAL, "--cpu-signature: \"%s\" is not a CPU signature",
					 optarg_value);
		arg.cpu_signature_set = true;
		return 1;
	case ARG_RESERVE:
		direct_only_option("--reserve");
		if (tdx_parse_uint32(optarg_value, &arg.reserve) < 0)
			return log_error(-EINVAL, "--reserve: \"%s\" is not a number",
					 optarg_value);
		arg.reserve_set = true;
		return 1;
	case ARG_STRICT_COMPAT:
		direct_only_option("--strict-compat");
		arg.strict_compat = true;
		return 1;
	case ARG_ALLOW_DEBUG:
		arg.allow_debug = true;
		return 1;
	case ARG_REINSTALL:
		arg.reinstall = true;
		return 1;
	case ARG_JSON:
		arg.json = true;
		return 1;
	case 'q':
		arg.quiet = true;
		return 1;
	case ARG_DRY_RUN:
		arg.dry_run = true;
		return 1;
	case 'y':
		arg.yes = true;
		return 1;
	case ARG_TIMEOUT:
		direct_only_option("--timeout");
		if (parse_timeout(optarg_value, &arg.timeout_usec) < 0)
			return log_error(-EINVAL, "--timeout: \"%s\" is not a number of seconds",
					 optarg_value);
		arg.timeout_set = true;
		return 1;
	case ARG_WAIT_LOCK:
		direct_only_option("--wait-lock");
		arg.wait_lock = true;
		return 1;
	case ARG_TRUSTED_KEYS:
		direct_only_option("--trusted-keys");
		if (parse_trusted_keys("--trusted-keys", optarg_value) < 0)
			return -EINVAL;
		arg_trusted_keys_set = true;
		return 1;
	case ARG_FORMAT:
		if (tdx_image_format_from_string(optarg_value, &arg.format) < 0)
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

	if (!arg.sysfs_root)
		arg.sysfs_root = tdx_sysfs_default_root();
	if (!arg.store) {
		e = secure_getenv(TDXCTL_STORE_ENV);
		arg.store = e && *e ? e : TDX_STORE_DEFAULT_PATH;
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
	verb_fn run;
};

static const struct verb verbs[] = {
	{"status", 1, 1, verb_status},
	{"list", 1, 1, verb_list},
	{"plan", 1, 2, verb_plan},
	{"update", 1, 2, verb_update},
	{"blob", 2, 5, verb_blob},
	{"mapping", 2, 3, verb_mapping},
	{"history", 1, 1, verb_history},
	{"inhibit", 1, INT_MAX, verb_inhibit},
	{"reboot-required", 1, 1, verb_reboot_required},
};

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer) || \
	__has_feature(leak_sanitizer)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

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
		if (arg.quiet && strcmp(v->name, "status") != 0)
			return cli_usage_error("--quiet: only status takes it");
		return v->run(&arg, argc, argv);
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
	arg.color = !arg.json && color_wanted();

	/* Verbs return an exit code, or -errno after printing why they failed. */
	r = dispatch(argc - optind, argv + optind);
	r = r < 0 ? CLI_EXIT_FAILURE : r;
	/*
	 * Nothing is left for exit() to do that matters: the output is flushed
	 * here (a failed flush takes exit()'s path, as before), locks go with
	 * the process. The libraries' destructors and the loader's teardown
	 * (~900 instructions run only at exit, libsystemd's chain included)
	 * cost 3-5 ms in the TCG guest (issue 11). Sanitizer builds exit(), so
	 * their leak check still runs.
	 */
	if (SANITIZED || fflush(stdout) != 0 || fflush(stderr) != 0)
		return r;
	_exit(r);
}
