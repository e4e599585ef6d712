// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxd: owns the host's TDX module updates. Loads tdxd.conf, the history and
 * the host facts, serves org.tdxctl.tdx1 on the system bus, and runs update
 * jobs. Everything that decides anything lives in the library.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "bus-names.h"
#include <tdx/sysfs.h>
#include "tdxd.h"

static const char *arg_config = TDX_CONFIG_DEFAULT_PATH;

static void help(void)
{
	printf("tdxd [OPTIONS]\n\n"
	       "Serves runtime TDX module updates on the system bus as " TDX_BUS_NAME ".\n\n"
	       "  -h --help           Show this help\n"
	       "     --version        Show the version\n"
	       "     --config=PATH    Configuration file (default " TDX_CONFIG_DEFAULT_PATH ")\n"
	       "\nEnvironment: TDXCTL_SYSFS_ROOT, TDXCTL_LOCK_PATH, TDXCTL_CPU_SIGNATURE,\n"
	       "DBUS_SYSTEM_BUS_ADDRESS. See tdxd(8).\n");
}

/* 1: run, 0: exit successfully, <0: usage error. */
static int parse_argv(int argc, char **argv)
{
	enum { ARG_VERSION = 0x100, ARG_CONFIG };
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, ARG_VERSION},
		{"config", required_argument, NULL, ARG_CONFIG},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("tdxd %s\n", PACKAGE_VERSION);
			return 0;
		case ARG_CONFIG:
			arg_config = optarg;
			break;
		default:
			return -EINVAL;
		}
	if (optind < argc) {
		fprintf(stderr, "tdxd: takes no arguments\n");
		return -EINVAL;
	}
	return 1;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

/* A corrupt history is evidence: move it aside and start empty. */
static int manager_load_history(struct manager *m)
{
	struct tdx_diag diag = {};
	_cleanup_free_ char *aside = NULL;
	int r;

	r = tdx_history_load(m->history_path, &m->history, &diag);
	if (r >= 0)
		return 0;
	if (r != -EBADMSG && r != -EINVAL && r != -EFBIG) {
		log_error("%s: %s", m->history_path, diag.msg);
		return r;
	}
	r = tdx_history_quarantine(m->history_path, now_usec(), &aside);
	if (r < 0) {
		log_error_errno(r, "%s is corrupt (%s) and cannot be moved aside: %m",
				m->history_path, diag.msg);
		return r;
	}
	log_error("%s is corrupt (%s); moved to %s, starting a new history", m->history_path,
		  diag.msg, aside);
	return tdx_history_new(&m->history);
}

static int manager_load_config(struct manager *m)
{
	struct tdx_diag diag = {};
	int r;

	r = tdx_config_load_all(m->config_path, &m->config, &diag);
	if (r < 0) {
		log_error("%s", diag.msg);
		return r;
	}
	for (size_t i = 0; i < m->config->n_warnings; i++)
		log_warning("%s", m->config->warnings[i]); /* "<file>: line 3: ..." */
	for (size_t i = 0; i < m->config->n_sources; i++)
		log_debug("configuration read from %s", m->config->sources[i]);
	if (asprintf(&m->history_path, "%s/%s", m->config->state_dir, TDX_HISTORY_FILE) < 0 ||
	    asprintf(&m->installed_path, "%s/installed.json", m->config->state_dir) < 0 ||
	    asprintf(&m->pending_path, "%s/pending.json", m->config->state_dir) < 0)
		return -ENOMEM;
	r = tdx_mkdir_parents(m->config->state_dir);
	if (r < 0) {
		log_error_errno(r, "cannot create %s: %m", m->config->state_dir);
		return r;
	}
	return 0;
}

/*
 * ReapplyAtBoot=: a runtime update does not survive a reboot, so the version
 * tdxd installed last (installed.json) is installed again. Returns true when
 * a job runs: READY=1 then waits for it, so units ordered after tdxd.service
 * (libvirtd) start only once the module they will build TDs on is in place.
 */
static bool manager_reapply(struct manager *m)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	char last[TDX_VERSION_STRING_MAX];
	struct job_request req = {.target = last};
	struct job *j;
	int r;

	if (!m->config->reapply_at_boot)
		return false;
	r = manager_installed_version(m, last, sizeof(last));
	if (r < 0) {
		log_info("re-apply at start: nothing to re-apply (%s: %s)", m->installed_path,
			 r == -ENOENT ? "tdxd has not installed a module here yet" : strerror(-r));
		return false;
	}
	if (strcmp(last, m->props.module_version) == 0) {
		log_info("re-apply at start: %s, the version installed last, is running", last);
		return false;
	}
	if (job_request_check(m, &req, &error) < 0) {
		log_warning("re-apply at start: %s cannot be re-applied over %s: %s", last,
			    m->props.module_version[0] ? m->props.module_version : "no module",
			    error.message ?: error.name);
		return false;
	}
	if (job_start(m, &req, &j, &error) < 0) {
		log_error("re-apply at start of %s failed: %s", last, error.message ?: error.name);
		return false;
	}
	log_info("re-apply at start: job %u re-applies %s over %s", j->id, last,
		 m->props.module_version);
	return true;
}

static void manager_notify_ready(struct manager *m)
{
	log_info("ready: module %s (%s), %s, store %s",
		 m->props.module_version[0] ? m->props.module_version : "-", m->props.module_state,
		 m->props.abi_layout, m->config->store_path);
	(void)sd_notify(0, "READY=1\nSTATUS=Serving " TDX_BUS_NAME);
}

void manager_job_ended(struct manager *m)
{
	if (m->ready_after_job) {
		m->ready_after_job = false;
		manager_notify_ready(m);
	}
	if (m->exit_requested)
		(void)sd_event_exit(m->event, 0);
}

/* SIGTERM, SIGINT: a running job is finished and recorded first (never safer to stop it). */
static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;

	if (!m->running_job)
		return sd_event_exit(m->event, 0);
	if (!m->exit_requested)
		log_warning("waiting for job %u to finish before exiting", m->running_job->id);
	m->exit_requested = true;
	(void)sd_notify(0, "STOPPING=1\nSTATUS=Waiting for the running update to finish");
	return 0;
}

static void manager_free(struct manager *m)
{
	job_after_stop(m);
	jobs_free(m);
	inhibitors_free(m);
	named_inhibitors_stop(m);
	fleet_stop(m);
	manager_udev_stop(m);
	sd_bus_flush_close_unref(m->bus);
	sd_event_unref(m->event);
	props_done(&m->props);
	pacing_free(m);
	views_free(m);
	tdxd_facts_done(&m->facts);
	tdx_history_free(m->history);
	tdx_config_free(m->config);
	free(m->history_path);
	free(m->installed_path);
	free(m->pending_path);
	pthread_mutex_destroy(&m->inhibit_lock);
	pthread_cond_destroy(&m->inhibit_cond);
}

static int manager_start_bus(struct manager *m)
{
	int r;

	r = sd_bus_open_system(&m->bus);
	if (r < 0) {
		log_error_errno(r, "cannot connect to the system bus: %m");
		return r;
	}
	r = manager_bus_register(m);
	if (r >= 0)
		r = job_after_start(m);
	if (r < 0)
		return r;
	r = named_inhibitors_start(m);
	if (r < 0)
		return r;
	r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return r;
	/* Synchronous: READY=1 must mean "the name answers". */
	r = sd_bus_request_name(m->bus, TDX_BUS_NAME, 0);
	if (r < 0)
		log_error_errno(r, "cannot own %s: %m", TDX_BUS_NAME);
	return r;
}

/*
 * As systemd daemons do: the soft fd limit up to the hard one. tdxd uses
 * epoll only (no select()), so a high limit is safe, and inhibitors each
 * hold an fd.
 */
static void raise_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warning("cannot raise the fd limit to %llu: %m",
			    (unsigned long long)rl.rlim_max);
}

static bool manager_module_lost(const struct manager *m)
{
	return m->props.module_state && strcmp(m->props.module_state, "lost") == 0;
}

static int run(struct manager *m)
{
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	/* Blocked before any thread exists, so workers inherit the mask. */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	raise_nofile_limit();
	inhibitors_set_limits(m);
	r = manager_load_config(m);
	if (r < 0)
		return r;
	r = manager_load_history(m);
	if (r < 0)
		return r;
	r = sd_event_default(&m->event);
	if (r < 0)
		return r;
	(void)sd_event_add_signal(m->event, NULL, SIGTERM, on_exit_signal, m);
	(void)sd_event_add_signal(m->event, NULL, SIGINT, on_exit_signal, m);
	r = fleet_start(m);
	if (r < 0)
		return r;
	hooks_choose_runner(m);
	r = manager_refresh(m);
	if (r < 0)
		return r;
	if (manager_load_kernel_module(m) > 0)
		(void)manager_refresh(m);
	bool in_flight = access(m->pending_path, F_OK) == 0;
	r = pending_reconcile(m);
	if (r < 0)
		log_error_errno(r, "cannot record the interrupted update: %m");
	/* Zincati's "initialization": no update in flight and the module fine: no slot held. */
	if (fleet_lock_enabled(m) && !in_flight && !manager_module_lost(m))
		(void)fleet_lock_release(m, "tdxd started with no update in flight");
	r = manager_udev_start(m);
	if (r < 0)
		log_warning("no uevents (%s); properties refresh on Refresh() and after updates",
			    strerror(-r));
	r = manager_start_bus(m);
	if (r < 0)
		return r;
	m->ready_after_job = manager_reapply(m);
	if (m->ready_after_job)
		(void)sd_notify(0, "STATUS=Re-applying the TDX module installed last");
	else
		manager_notify_ready(m);
	r = sd_event_loop(m->event);
	(void)sd_notify(0, "STOPPING=1");
	return r;
}

int main(int argc, char **argv)
{
	struct manager m = {
		.inhibit_lock = PTHREAD_MUTEX_INITIALIZER,
		.inhibit_cond = PTHREAD_COND_INITIALIZER,
		.inhibit_file_fd = -EBADF,
	};
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	m.config_path = arg_config;
	m.sysfs_root = tdx_sysfs_default_root();
	r = run(&m);
	manager_free(&m);
	return r < 0 ? 1 : 0;
}
