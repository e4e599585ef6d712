/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The verbs of tdxctl and the options they get. The options are parsed in
 * tdxctl.c (its file-static arg_*) and handed to every verb as one explicit
 * struct; nothing else in tdxctl keeps option state. The library never sees
 * them, it gets explicit parameters.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tdx/image.h>
#include <tdx/signature.h>

/* Exit codes, documented in tdxctl(8) and --help. */
enum {
	CLI_EXIT_SUCCESS = 0, /* done, or already up to date */
	CLI_EXIT_FAILURE = 1, /* refused, pre-flight failed, bad input, I/O */
	CLI_EXIT_USAGE = 2,   /* bad command line, or update without --yes off a terminal */
	CLI_EXIT_NO_PLAN = 3, /* the target cannot be installed or reached within the budget */
	CLI_EXIT_FATAL = 4,   /* the TDX module was lost: TDs are gone, reboot needed */
	CLI_EXIT_TIMEOUT = 5, /* fw_upload never finished: state unknown */
	/* status --quiet; 0 when the module runs and no update is available. */
	CLI_EXIT_UPDATE_AVAILABLE = 10, /* the module runs and the store has an update for it */
	CLI_EXIT_MODULE_LOST = 11,	/* the module was lost: TDs are gone, reboot needed */
	CLI_EXIT_STATE_UNKNOWN = 12,	/* module absent or unreadable, or the store unusable */
};

struct tdxctl_options {
	bool direct;			/* --direct: run the library in-process, never tdxd */
	const char *direct_only_option; /* the first option given that only --direct honours */
	const char *sysfs_root;
	const char *store;
	bool cpu_signature_set;
	uint32_t cpu_signature;
	unsigned reserve;
	bool reserve_set; /* --reserve given: else tdxd.conf's Reserve= */
	bool strict_compat;
	bool json;
	bool color; /* colour in the text (never with json) */
	bool quiet; /* status: nothing on stdout, the state in the exit code */
	bool dry_run;
	bool yes;
	bool allow_debug;
	bool reinstall;
	uint64_t timeout_usec;
	bool timeout_set; /* --timeout given: else tdxd.conf's UploadTimeoutSec= */
	bool wait_lock;
	enum tdx_image_format format;
	struct tdx_trusted_keys trusted_keys; /* signing keys to trust (default: Intel's) */
	const char *inhibit_who;
	const char *inhibit_why;
	const char *inhibit_hold;    /* inhibit --hold=KEY */
	const char *inhibit_release; /* inhibit --release=KEY */
	bool inhibit_list;	     /* inhibit --list */
	uint32_t inhibit_ttl_sec;    /* --ttl=, default 600 */
};

typedef int (*verb_fn)(const struct tdxctl_options *o, int argc, char **argv);

/* Routed verbs: through tdxd unless --direct (route.c, tdxctl(8) ROUTING). */
int verb_status(const struct tdxctl_options *o, int argc, char **argv);
int verb_list(const struct tdxctl_options *o, int argc, char **argv);
int verb_plan(const struct tdxctl_options *o, int argc, char **argv);
int verb_update(const struct tdxctl_options *o, int argc, char **argv);
/* Local verbs. */
int verb_blob(const struct tdxctl_options *o, int argc, char **argv);
int verb_mapping(const struct tdxctl_options *o, int argc, char **argv);
int verb_history(const struct tdxctl_options *o, int argc, char **argv);
int verb_inhibit(const struct tdxctl_options *o, int argc, char **argv);
/* verb-reboot.c: kured's sentinel command, exit 0 reboot needed, 1 not. */
int verb_reboot_required(const struct tdxctl_options *o, int argc, char **argv);

/* --help: the general help, or VERB's options and exit codes when VERB is one (help.c). */
void help(const char *verb);

/* Prints "tdxctl: <message>" and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) _printf_(1, 2);
