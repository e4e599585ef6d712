/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The verbs of tdxctl and the options they share. The arg_* globals live in
 * tdxctl.c and are the only global state of the program; the library never
 * sees them, it gets explicit parameters.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tdx/host.h>
#include <tdx/image.h>
#include <tdx/plan.h>
#include <tdx/policy.h>
#include <tdx/store.h>
#include <tdx/update.h>

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

/*
 * --direct (arg_direct, bus-client.h): run the library in-process. Verbs
 * compute into the structs of output.h and print with output_*(); a bus
 * client fills the same structs from tdxd, so routing a verb changes where
 * the numbers come from, never what is printed.
 */
extern const char *arg_sysfs_root;
extern const char *arg_store;
extern bool arg_cpu_signature_set;
extern uint32_t arg_cpu_signature;
extern unsigned arg_reserve;
extern bool arg_strict_compat;
extern bool arg_json;  /* tdxctl.c hands it to output_set_json() */
extern bool arg_quiet; /* status: nothing on stdout, the state in the exit code */
extern bool arg_dry_run;
extern bool arg_yes;
extern bool arg_allow_debug;
extern bool arg_reinstall;
extern uint64_t arg_timeout_usec;
extern bool arg_wait_lock;
extern enum tdx_image_format arg_format;
/* tdxd's ApprovedImages= when tdxd renders (report.c); --direct does not read tdxd.conf. */
extern const uint8_t (*arg_approved)[TDX_SEAMHASH_SIZE];
extern size_t arg_n_approved;
extern bool arg_trusted_keys_set;		 /* --trusted-keys given */
extern struct tdx_trusted_keys arg_trusted_keys; /* signing keys to trust (default: Intel's) */

/*
 * Where the planning verbs get the host and the store: tdxctl probes sysfs
 * and scans the store; tdxd (report.c) lends its cache for Report(), so a
 * read costs no sysfs or store I/O. Either field NULL: probe or scan.
 */
struct cli_cache {
	struct tdx_host *host;
	struct tdx_store *store;
};
extern const struct cli_cache *cli_cache;
/* The cached store (borrowed: *ret_owned false) or a fresh scan; diag on failure. */
int cli_store_get(struct tdx_store **ret, bool *ret_owned, struct tdx_diag *diag);

/* Everything the planning verbs (status, list, plan, update) need about this host. */
struct cli_host_facts {
	struct tdx_host *host;
	bool host_owned; /* false: cli_cache's */
	int cpu_err;	 /* 0 or why the CPU signature is unknown */
	uint32_t cpu_signature;
	struct tdx_policy_host policy_host;
	struct tdx_policy_opts policy;
};

/* Probes the host and the CPU (status works without a store, so that is separate). */
int cli_host_facts_load(struct cli_host_facts *ret);
void cli_host_facts_done(struct cli_host_facts *f);
/* Update slots usable after the reserve; UINT_MAX when the count is unreadable. */
unsigned cli_update_budget(const struct tdx_host *h);
/* Parses a version argument, printing a usage error (returns -EINVAL) for junk. */
int cli_parse_version_arg(const char *s, struct tdx_version *ret);

/* The plan to target (NULL: newest) within the budget; tdx_plan_compute's errors. */
int cli_plan_compute(const struct cli_host_facts *f, struct tdx_store *store,
		     const struct tdx_version *target, struct tdx_plan *ret, struct tdx_diag *diag);
/* Exit code for a planning error: 0 for up to date, 3 for "no plan", else 1. */
int cli_plan_exit_code(int err);

/* The host, the store and the plan: what list, plan and update share. */
struct cli_planning {
	struct cli_host_facts facts;
	struct tdx_store *store;
	bool store_owned;
	struct tdx_plan plan;
};
void cli_planning_done(struct cli_planning *p);
/* Loads the host facts, runs host_check (optional) and scans the store; prints failures. */
int cli_planning_load(struct cli_planning *p, int (*host_check)(const struct tdx_host *h));
/*
 * Parses argv's optional VERSION, loads as above and plans. Returns 0 with
 * p->plan set, -EALREADY when up to date, else what the verb returns (an exit
 * code or -errno) after printing "<what>: <reason>".
 */
int cli_planning_plan(struct cli_planning *p, int argc, char **argv,
		      int (*host_check)(const struct tdx_host *h), const char *what);

/*
 * The parts of `update` around the run, shared with tdxd (which runs the job
 * itself and renders the same output for tdxctl).
 *
 * update_prepare: the checks and the plan. UPDATE_PLAN_READY with p->plan
 * set, else the exit code after printing (up to date, refusal).
 */
#define UPDATE_PLAN_READY (-1000)
int update_prepare(struct cli_planning *p, int argc, char **argv);
/* The outcome of tdx_update_run_plan(): lines, summary, exit code. hops_printed: live already. */
int update_report(const struct tdx_host *host, const struct tdx_plan *plan,
		  const struct tdx_hop_result *results, size_t done, int err,
		  const struct tdx_diag *diag, bool hops_printed);
int update_report_up_to_date(const struct tdx_host *host);
/* 0: go ahead (--yes, --dry-run, or "y" on the terminal); CLI_EXIT_USAGE off a terminal. */
int update_confirm(const char *from, const char *to, size_t n_hops);
/* code: an exit code or -errno already printed by log_error(); adds the --json document. */
int update_report_refusal(int code);

int verb_status(int argc, char **argv);
int verb_list(int argc, char **argv);
int verb_plan(int argc, char **argv);
int verb_update(int argc, char **argv);
int verb_blob(int argc, char **argv);
int verb_mapping(int argc, char **argv);

/* --help: the general help, or VERB's options and exit codes when VERB is one (help.c). */
void help(const char *verb);

/* Prints "tdxctl: <message>" and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) _printf_(1, 2);
