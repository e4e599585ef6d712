/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * tdxd: the daemon state shared by its parts. One struct manager, owned by
 * the sd-event loop thread; the only other thread is a job's worker, which
 * touches nothing here except through struct job's mutex-protected fields
 * and the inhibitor count (inhibit_lock).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <tdx/tdxd-conf.h>
#include <tdx/history.h>
#include <tdx/inhibit-keys.h>
#include <tdx/hooks.h>
#include <tdx/fleet.h>
#include <tdx/update.h>
#include <tdx/view.h>

/* The cached facts served as properties; never read from sysfs by a getter. */
struct tdxd_props {
	char *module_version;
	char *module_state;
	char *seamldr_version;
	int32_t remaining_updates; /* -1: unknown */
	int runtime_update;	   /* bool, as sd-bus wants an int for "b" */
	char *runtime_update_reason;
	uint32_t cpu_signature;
	char *abi_layout;
	char *image_format;
	char *fw_status;
	char *tcb_version;
	uint16_t seam_svn;
	char *mrseam;
	char *build_date;
	char *tcb_source;
	char *best_update;
	char *best_update_reason;
	char *update_state;
	uint32_t update_progress;
	char *last_result;
	char *store_path;
	char *auto_update;
};

struct inhibitor {
	struct manager *manager;
	unsigned id;
	char *who;
	char *why;
	uint32_t pid;
	uint32_t uid;
	sd_event_source *source; /* the read end of the caller's pipe */
	int fd;
	struct inhibitor *next;
};

enum job_state {
	JOB_QUEUED = 0,
	JOB_RUNNING,
	JOB_FINISHED,
};

struct job_request {
	char *target; /* "" newest */
	bool dry_run;
	bool allow_debug;
	bool reinstall;
};

/*
 * What the views are computed from, probed at once: the host, the CPU, the
 * store (NULL when unusable, store_error says why) and fw_upload's status.
 * The refresh keeps one (struct manager), each job's worker probes its own.
 */
struct tdxd_facts {
	struct tdx_host *host;
	int cpu_err;
	uint32_t cpu_signature;
	struct tdx_store *store;
	char store_error[TDX_DIAG_MAX];
	int fw_status_err;
	enum tdx_fw_status fw_status;
};

struct job {
	struct manager *manager;
	unsigned id;
	char *path;
	sd_bus_slot *slot;
	struct job_request req;
	pthread_t thread;
	bool thread_started;
	int notify_fd; /* eventfd the worker pokes on progress and at the end */
	sd_event_source *notify_source;

	/* Written by the worker under lock, read by the loop thread. */
	pthread_mutex_t lock;
	enum job_state state;
	char *phase; /* static strings only */
	uint32_t progress;
	bool done;

	/* Worker output, read by the loop thread after done is seen. */
	char from[TDX_VERSION_STRING_MAX];
	char to[TDX_VERSION_STRING_MAX];
	enum tdx_update_result result; /* its words: tdx_update_result_to_string() */
	char error[TDX_DIAG_MAX];
	struct tdx_history_record *records; /* one per attempted hop or refusal */
	size_t n_records;
	struct tdx_history_record *pending; /* worker only: attempted hops so far (pending.c) */
	size_t n_pending;
	const struct tdx_host *host; /* worker only: the host its hops run on */
	bool installed_known;	     /* a hop succeeded: what runs now */
	struct tdx_hop_result installed;
	enum tdx_update_outcome last_outcome;
	bool attempted;
	bool fleet_slot;       /* worker: this job holds a FleetLock slot */
	char *result_document; /* the update document (view.h), once done */
	sd_bus_track *caller;  /* who called Update, while connected (job-after.c) */
	struct job *next;
};

struct manager {
	sd_event *event;
	sd_bus *bus;
	struct tdx_config *config;
	const char *config_path;
	const char *sysfs_root;
	struct tdxd_props props;
	/* The last refresh's facts, loop thread only: properties and views come from here. */
	struct tdxd_facts facts;
	struct tdx_host *host;	  /* facts.host */
	struct tdx_store *store;  /* facts.store */
	struct view_cache *views; /* bus-views.c: documents until the next refresh */
	struct pacing *pacing;	  /* pacing.c: unprivileged reads, per uid */
	struct tdx_history *history;
	char *history_path;
	char *installed_path;
	char *pending_path; /* pending.c: the attempt in progress */

	struct inhibitor *inhibitors;
	unsigned n_inhibitors;	 /* mirrored under inhibit_lock for the worker */
	unsigned inhibitors_max; /* inhibitors_set_limits() */
	unsigned next_inhibitor_id;
	pthread_mutex_t inhibit_lock;
	pthread_cond_t inhibit_cond;
	unsigned inhibit_count;
	int inhibit_file_fd; /* shared flock on the inhibit file while any inhibitor is held */
	struct tdx_inhibit_keys held_keys; /* inhibit-named.c: named keys, cached */
	sd_event_source *keys_inotify;
	sd_event_source *keys_timer; /* CLOCK_BOOTTIME, at the earliest expiry */

	struct job *jobs; /* newest first; finished ones kept a while */
	struct job *running_job;
	struct job *after_job; /* job-after.c: finished, its refresh still to run */
	sd_event_source *after_job_timer;
	sd_bus_slot *after_job_filter;
	unsigned next_job_id;
	bool ready_after_job; /* READY=1 waits for the boot's re-apply job */
	bool exit_requested;  /* SIGTERM during a job: exit when it has ended */

	void *udev; /* struct udev *, kept opaque here */
	void *udev_monitor;
	sd_event_source *udev_source;
	sd_event_source *refresh_timer;
	struct fleet *fleet; /* fleet.c */
	bool hooks_in_units; /* hook-units.c: hooks and FleetLock in transient units */
};

/* log.c: stderr with sd-daemon prefixes; structured journal entries. */
void log_msg(int prio, const char *fmt, ...) _printf_(2, 3);
#define log_debug(...)	 log_msg(7, __VA_ARGS__)
#define log_info(...)	 log_msg(6, __VA_ARGS__)
#define log_notice(...)	 log_msg(5, __VA_ARGS__)
#define log_warning(...) log_msg(4, __VA_ARGS__)
#define log_error(...)	 log_msg(3, __VA_ARGS__)
/* systemd's log_*_errno(): %m is err's text; returns err, for `return log_error_errno(r, ...)`. */
int log_msg_errno(int prio, int err, const char *fmt, ...) _printf_(3, 4);
#define log_warning_errno(err, ...) log_msg_errno(4, err, __VA_ARGS__)
#define log_error_errno(err, ...)   log_msg_errno(3, err, __VA_ARGS__)
/* One journal entry with MESSAGE_ID and update fields; stderr when there is no journal. */
void log_update_event(const char *message_id, int prio, unsigned job, const char *from,
		      const char *to, const char *result, const char *error);

/* fleet.c: metrics, labels and the reboot marker (issue 10); no-ops when unconfigured. */
#define TDXD_REBOOT_MARKER "reboot-required"
int fleet_start(struct manager *m);
void fleet_stop(struct manager *m);
void fleet_on_refresh(struct manager *m);
void fleet_on_job_result(struct manager *m, const char *result);
void fleet_on_job_end(struct manager *m);
/* fleet-lock.c: FleetLock ([FleetLock] BaseURL=); all no-ops (0) when it is off. */
bool fleet_lock_enabled(const struct manager *m);
/* Worker: takes a slot, retrying within UploadTimeoutSec; -EBUSY with diag when none came. */
int fleet_lock_take(struct manager *m, struct tdx_diag *diag);
/* Releases the slot (a few tries); logs why it could not. */
int fleet_lock_release(struct manager *m, const char *why);
void fleet_lock_counters_copy(struct tdx_fleetlock_counters *ret);
/* [FleetLock] ID=, else /etc/machine-id hashed with tdxctl's app id (lower-case hex). */
int fleet_host_id(const struct manager *m, char *buf, size_t size);

/* hook-units.c: hooks and FleetLock requests in transient units when systemd runs the host. */
void hooks_choose_runner(struct manager *m);
struct hook_runner {
	struct manager *manager;
	const char *phase; /* "pre", "post": in the unit's name */
	unsigned n_started;
};
/* Runs opts' hooks in transient units when hooks_in_units; else they are forked. */
void hook_runner_attach(struct hook_runner *h, struct tdx_hooks_opts *opts);
struct tdx_fleetlock;
/* tdx_fleetlock_request() through tdxd-fleetlock in a transient unit; same returns. */
int fleet_lock_request_in_unit(const struct manager *m, const struct tdx_fleetlock *c,
			       enum tdx_fleetlock_api api, char kind[static TDX_FLEET_KIND_MAX],
			       struct tdx_diag *diag);

/* tdxd.c: a job has ended and is recorded. */
void manager_job_ended(struct manager *m);

/* cache.c */
int manager_refresh(struct manager *m);
/* The version in installed.json: what tdxd installed last. -ENOENT: nothing yet. */
int manager_installed_version(const struct manager *m, char *buf, size_t size);
void props_done(struct tdxd_props *p);
/* Probes host, CPU, fw_upload and store: the refresh and each job's worker. diag: the probe's. */
int manager_probe(const struct manager *m, struct tdxd_facts *ret, struct tdx_diag *diag);
/* The same for a job (req; NULL: none): for a named target the store may hold only it. */
int manager_probe_for(const struct manager *m, const struct job_request *req,
		      struct tdxd_facts *ret, struct tdx_diag *diag);
void tdxd_facts_done(struct tdxd_facts *f);
/* The library's view input for these facts with tdxd's configuration. */
void manager_view_input(const struct manager *m, const struct tdxd_facts *f, bool allow_debug,
			bool reinstall, struct tdx_view_input *ret);
int manager_save_installed(struct manager *m, const struct tdx_hop_result *r);
int manager_set_update_state(struct manager *m, const char *state, uint32_t progress,
			     const char *last_result);

/* bus-manager.c */
int manager_bus_register(struct manager *m);
/* bus-properties.c: the cached properties (struct tdxd_props) on the bus. */
int manager_properties_register(struct manager *m);
/* The names of the properties that differ between old and now, at most max. */
size_t props_changed(const struct tdxd_props *old, const struct tdxd_props *now, const char **ret,
		     size_t max);
/* PropertiesChanged for every property m->props changed against old. */
void props_emit(struct manager *m, const struct tdxd_props *old);
/* Boolean a{sv} options; "version" (a string) too when ret_version. Unknown keys: InvalidArgs. */
struct bus_option {
	const char *key;
	bool *flag;
};
int bus_read_options(sd_bus_message *msg, const struct bus_option *opts, size_t n_opts,
		     char **ret_version, sd_bus_error *error);

/* polkit.c: runs cb once the sender may do action (at once for root). */
typedef int (*auth_continue_t)(struct manager *m, sd_bus_message *msg, sd_bus_error *error);
int auth_check(struct manager *m, sd_bus_message *msg, const char *action, auth_continue_t cb,
	       sd_bus_error *error);

/* pending.c */
int pending_save(const struct manager *m, const struct tdx_history_record *records, size_t n);
void pending_mark(struct tdx_history_record *rec);
void pending_clear(const struct manager *m);
/* At start, after the first refresh: an attempt a crash interrupted goes to the history. */
int pending_reconcile(struct manager *m);

/* inhibit.c */
/* Caps (tdxd(8) INHIBITORS): per UID, and in all from RLIMIT_NOFILE minus a reserve. */
#define INHIBITORS_PER_UID_MAX 32u
#define INHIBITORS_FD_RESERVE  128u
#define INHIBITORS_MAX	       8192u
void inhibitors_set_limits(struct manager *m);
/*
 * Refuses (-EBUSY, diag names the hop) while an update blocks inhibitors
 * (lock.h), -EUSERS beyond a cap.
 */
int inhibitor_add(struct manager *m, sd_bus_message *msg, const char *who, const char *why,
		  int *ret_client_fd, struct tdx_diag *diag);
void inhibitors_free(struct manager *m);
int inhibitors_append_bus(struct manager *m, sd_bus_message *reply);
/* Worker side: 0 when none is held (possibly after waiting), -EBUSY with diag otherwise. */
int inhibit_wait_clear(struct manager *m, struct tdx_diag *diag);
/* The sender's effective uid. */
int bus_caller_uid(sd_bus_message *msg, uint32_t *ret);

/* inhibit-named.c: HoldInhibitor(), ReleaseInhibitor(), HeldInhibitors; expiry logging. */
int named_inhibitors_start(struct manager *m);
void named_inhibitors_stop(struct manager *m);

/* job.c */
int job_start(struct manager *m, struct job_request *req, struct job **ret, sd_bus_error *error);
void jobs_free(struct manager *m);
int job_request_check(struct manager *m, const struct job_request *req, sd_bus_error *error);
/* After Finished: the refresh, UpdateFinished, the fleet files; the job stops running. */
void job_complete_tail(struct job *j);

/* job-after.c: job_complete_tail() once the job's caller has gone (or soon after). */
int job_after_start(struct manager *m);
void job_after_stop(struct manager *m);
int job_track_caller(struct job *j, sd_bus_message *msg);
void job_after_finished(struct job *j);

/* bus-views.c: the view documents (GetStatus, GetList, GetPlan, CheckUpdate). */
int manager_views_register(struct manager *m);
/* Drops the documents kept since the last refresh; every refresh does. */
void views_clear(struct manager *m);
void views_free(struct manager *m);

/*
 * pacing.c: unprivileged reads cost their caller time, not tdxd's CPU. Each
 * uid but root has a token bucket (PACING_* below, tdxctl-dbus(5)); a call
 * whose uid has no token waits, queued, and is answered when one comes. At
 * most PACING_QUEUE_PER_UID wait per uid (LimitExceeded beyond).
 */
#define PACING_RATE_PER_SEC    20u	     /* tokens a uid earns per second */
#define PACING_BURST	       100u	     /* tokens a uid can save up */
#define PACING_BYTES_PER_TOKEN (16u * 1024u) /* a reply costs 1 + its bus bytes/this */
#define PACING_QUEUE_PER_UID   64u
typedef int (*pacing_answer_t)(struct manager *m, sd_bus_message *msg, size_t *ret_cost);
/* Answers msg with answer() now (root, or a token left) or later; 1 when queued. */
int pacing_submit(struct manager *m, sd_bus_message *msg, pacing_answer_t answer,
		  sd_bus_error *error);
void pacing_free(struct manager *m);

/* udev.c */
int manager_udev_start(struct manager *m);
void manager_udev_stop(struct manager *m);
int manager_load_kernel_module(struct manager *m);
void manager_schedule_refresh(struct manager *m);
