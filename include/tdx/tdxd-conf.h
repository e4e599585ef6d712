/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * tdxd.conf: ini-style, "[Section]" and "Key=Value" lines, '#' or ';'
 * comments. Every key has a default, so an absent file is a valid
 * configuration. Unknown sections and keys are not errors (a newer file on an
 * older daemon); they are listed in warnings for the daemon to log.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/signature.h>

/* Beside the hook directories, so one directory holds all of tdxd's configuration. */
#define TDX_CONFIG_DEFAULT_PATH SYSCONFDIR "/tdxd/tdxd.conf"
#define TDX_CONFIG_MAX_SIZE	(1024u * 1024)

enum tdx_auto_update {
	TDX_AUTO_UPDATE_OFF = 0, /* the timer only reports */
	TDX_AUTO_UPDATE_APPLY,	 /* the timer installs the newest allowed version */
};

enum tdx_inhibit_mode {
	TDX_INHIBIT_REFUSE = 0, /* an update while an inhibitor is held fails at once */
	TDX_INHIBIT_WAIT,	/* it waits up to inhibit_wait_usec for the last one to go */
};

/* Site approval: at most this many digests in [Update] ApprovedImages=. */
#define TDX_CONFIG_MAX_APPROVED 1024u
#define TDX_CONFIG_SHA384_SIZE	48u

/* The fleet face (issue 10); every string is "" when unset, never NULL. */
struct tdx_fleet_config {
	uint8_t (*approved)[TDX_CONFIG_SHA384_SIZE]; /* [Update] ApprovedImages= */
	size_t n_approved;			     /* 0: every image is approved */
	char *metrics_dir;			     /* [Metrics] TextfileDirectory= "" off */
	char *labels_dir;			     /* [Labels] Directory= "" off */
	char *labels_namespace;			     /* [Labels] Namespace= */
	uint64_t labels_refresh_usec;		     /* [Labels] RefreshSec= */
	char *fleetlock_url;			     /* [FleetLock] BaseURL= "" off */
	char *fleetlock_group;			     /* [FleetLock] Group= */
	char *fleetlock_id;			     /* [FleetLock] ID= "" derived */
};
#define TDX_CONFIG_DEFAULT_LABELS_NAMESPACE    "tdx.tdxctl.org"
#define TDX_CONFIG_DEFAULT_FLEETLOCK_GROUP     "tdx-module"
#define TDX_FLEETLOCK_ID_MAX		       128u /* [FleetLock] ID= */
#define TDX_CONFIG_DEFAULT_LABELS_REFRESH_USEC (600 * USEC_PER_SEC)

/*
 * [Hooks]: where hooks (and tdxd's FleetLock helper) run. With systemd,
 * each hook runs in a transient service unit with this sandbox (a small
 * allow-list of systemd.exec(5) properties, config-hooks.c), not inside
 * tdxd's own; without systemd, or with TransientUnit=no, tdxd forks them.
 */
enum tdx_hooks_transient {
	TDX_HOOKS_TRANSIENT_AUTO = 0, /* a unit when systemd manages this host and tdxd's bus */
	TDX_HOOKS_TRANSIENT_YES,      /* always a unit; a hook that cannot get one vetoes */
	TDX_HOOKS_TRANSIENT_NO,	      /* always forked inside tdxd's sandbox */
};

/* One IPAddressAllow=/IPAddressDeny= entry, as systemd's a(iayu). */
struct tdx_ip_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefixlen;
};
#define TDX_HOOKS_MAX_LIST 64u /* entries in a list key of [Hooks] */

struct tdx_hooks_profile {
	enum tdx_hooks_transient transient_unit; /* TransientUnit= */
	char *user;				 /* User= "" root */
	char *group;				 /* Group= "" the user's */
	char *protect_system;			 /* ProtectSystem= no|yes|full|strict */
	char *protect_home;			 /* ProtectHome= no|yes|read-only|tmpfs */
	bool private_tmp;			 /* PrivateTmp= */
	bool no_new_privileges;			 /* NoNewPrivileges= */
	char **read_write_paths;		 /* ReadWritePaths= NULL terminated */
	struct tdx_ip_prefix *ip_allow;		 /* IPAddressAllow= */
	size_t n_ip_allow;
	struct tdx_ip_prefix *ip_deny; /* IPAddressDeny= */
	size_t n_ip_deny;
};
#define TDX_HOOKS_DEFAULT_PROTECT_SYSTEM "full"
#define TDX_HOOKS_DEFAULT_PROTECT_HOME	 "read-only"
const char *tdx_hooks_transient_to_string(enum tdx_hooks_transient t);

struct tdx_config {
	char *store_path;		  /* [Store] Path= */
	enum tdx_auto_update auto_update; /* [Update] AutoUpdate=off|apply */
	char *target;			  /* [Update] Target= "" newest */
	unsigned reserve;		  /* [Update] Reserve= */
	bool strict_compat;		  /* [Update] StrictCompat= */
	bool allow_debug;		  /* [Update] AllowDebug= */
	struct tdx_trusted_keys
		trusted_keys;		/* [Update] TrustedSigningKeys= (replaces the default) */
	bool reapply_at_boot;		/* [Update] ReapplyAtBoot= */
	uint64_t upload_timeout_usec;	/* [Update] UploadTimeoutSec= */
	char *hook_dir;			/* [Hooks] Directory= */
	uint64_t hook_timeout_usec;	/* [Hooks] TimeoutSec= */
	struct tdx_hooks_profile hooks; /* [Hooks] the transient unit's sandbox */
	enum tdx_inhibit_mode inhibit_mode; /* [Inhibit] Mode=refuse|wait */
	uint64_t inhibit_wait_usec;	    /* [Inhibit] WaitTimeoutSec= */
	uint64_t inhibit_max_hold_usec;	    /* [Inhibit] MaxHoldSec= (named keys), 1..86400 s */
	uint64_t inhibit_young_td_usec;	    /* [Inhibit] YoungTdSec= (young-td.h), 0: off */
	char *state_dir;		    /* [Daemon] StateDirectory= */
	char *kernel_module;		    /* [Daemon] KernelModule= "" none */
	unsigned history_max;		    /* [Daemon] HistoryMax= */
	struct tdx_fleet_config fleet;	    /* config-fleet.c: the fleet keys */
	char **sources;			    /* NULL terminated: the files read, in order */
	size_t n_sources;
	char **warnings; /* NULL terminated; "line 3: unknown key Foo" */
	size_t n_warnings;
};

/* The state directory is fixed, not from the build prefix: the unit's StateDirectory=tdxd. */
#define TDX_CONFIG_DEFAULT_HOOK_DIR	     SYSCONFDIR "/tdxd"
#define TDX_CONFIG_DEFAULT_STATE_DIR	     "/var/lib/tdxd"
#define TDX_CONFIG_DEFAULT_HOOK_TIMEOUT_USEC (30 * USEC_PER_SEC)
#define TDX_CONFIG_DEFAULT_INHIBIT_WAIT_USEC (300 * USEC_PER_SEC)
#define TDX_CONFIG_DEFAULT_HISTORY_MAX	     1000u
#define TDX_CONFIG_MAX_HISTORY		     100000u

const char *tdx_auto_update_to_string(enum tdx_auto_update a);
const char *tdx_inhibit_mode_to_string(enum tdx_inhibit_mode m);

/* Every default. *ret is malloc'ed. */
int tdx_config_new(struct tdx_config **ret);
/*
 * Parses text over the defaults. -EINVAL with diag ("line 4: Reserve=abc is
 * not a number") for a bad value or a malformed line; the whole file is
 * rejected then, so a typo never silently changes safety settings.
 */
int tdx_config_parse(const char *text, size_t size, struct tdx_config **ret, struct tdx_diag *diag);
/* Loads a file; a missing file gives the defaults. */
int tdx_config_load(const char *path, struct tdx_config **ret, struct tdx_diag *diag);
/* Parses text over c (a drop-in); source names the file in warnings. Same errors as parse. */
int tdx_config_parse_into(struct tdx_config *c, const char *source, const char *text, size_t size,
			  struct tdx_diag *diag);

/*
 * Drop-ins, as systemd and Zincati do them: every "*.conf" in
 * <dir>/tdxd.conf.d/ for each dir of TDX_CONFIG_DROPIN_DIRS, applied over
 * the main file in lexical order of the file name. A name in a later
 * directory of the list replaces the same name in an earlier one; a symlink
 * to /dev/null masks that name.
 */
#define TDX_CONFIG_DROPIN_SUBDIR "tdxd.conf.d"
#define TDX_CONFIG_DROPIN_MAX	 256u
/* /usr/lib/tdxd, /etc/tdxd, /run/tdxd (Zincati's order: the last wins), NULL */
extern const char *const TDX_CONFIG_DROPIN_DIRS[];
/*
 * Loads path, then the drop-ins of dirs (NULL terminated, lowest priority
 * first). A bad value in any file rejects the whole configuration, with
 * diag naming the file.
 */
int tdx_config_load_dropins(const char *path, const char *const *dirs, struct tdx_config **ret,
			    struct tdx_diag *diag);
/*
 * The drop-in directories for a main file: TDX_CONFIG_DROPIN_DIRS for the
 * default path, else only the file's own directory (tests, --config=).
 * *ret is NULL terminated; free with tdx_strv_free().
 */
int tdx_config_dropin_dirs_for(const char *path, char ***ret);
char **tdx_strv_free(char **v);
/* What tdxd and tdxctl read: path and the drop-ins tdx_config_dropin_dirs_for() names. */
int tdx_config_load_all(const char *path, struct tdx_config **ret, struct tdx_diag *diag);

/* [Update] ApprovedImages= allows this SHA-384 (always true when the list is empty). */
bool tdx_config_image_approved(const struct tdx_config *c, const uint8_t sha384[static 48]);
struct tdx_config *tdx_config_free(struct tdx_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tdx_config *, tdx_config_free);
