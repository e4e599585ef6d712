// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxd's FleetLock life-cycle, as Zincati's: take a slot before the first
 * hop (retrying with a bounded back-off, within the job's upload timeout),
 * release it after the last hop and the post hooks succeeded, keep it after
 * a FATAL outcome (the fleet stops as behind a failed canary), and release
 * any slot held when tdxd starts with no job in flight and the module not
 * lost. The requests run in the job's worker thread (and once at start);
 * the counters are shared with the loop thread's metrics under a mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include <tdx/fleetlock.h>

#include "tdxd.h"

/* tdxctl's FleetLock application id: the same machine gets another id than Zincati's. */
#define TDXD_FLEETLOCK_APP_ID \
	SD_ID128_MAKE(1f, f1, b5, 0c, 41, 5e, 4a, 7f, ac, 45, 3b, 2c, 3f, a2, 96, 36)
#define FLEETLOCK_REQUEST_TIMEOUT_USEC (30 * USEC_PER_SEC)
#define FLEETLOCK_BACKOFF_FIRST_USEC   (500 * USEC_PER_MSEC)
#define FLEETLOCK_BACKOFF_MAX_USEC     (8 * USEC_PER_SEC)
#define FLEETLOCK_RELEASE_TRIES	       3

static pthread_mutex_t counters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tdx_fleetlock_counters fleet_lock_counters;

bool fleet_lock_enabled(const struct manager *m)
{
	return m->config->fleet.fleetlock_url[0] != '\0';
}

int fleet_host_id(const struct manager *m, char *buf, size_t size)
{
	char hex[SD_ID128_STRING_MAX];
	sd_id128_t id;
	int r;

	if (m->config->fleet.fleetlock_id[0]) {
		snprintf(buf, size, "%s", m->config->fleet.fleetlock_id);
		return 0;
	}
	r = sd_id128_get_machine_app_specific(TDXD_FLEETLOCK_APP_ID, &id);
	if (r < 0)
		return r;
	snprintf(buf, size, "%s", sd_id128_to_string(id, hex));
	return 0;
}

void fleet_lock_counters_copy(struct tdx_fleetlock_counters *ret)
{
	pthread_mutex_lock(&counters_lock);
	*ret = fleet_lock_counters;
	pthread_mutex_unlock(&counters_lock);
}

static int fleet_lock_call(struct manager *m, enum tdx_fleetlock_api api, struct tdx_diag *diag)
{
	char id[TDX_FLEETLOCK_ID_MAX + 1], kind[TDX_FLEET_KIND_MAX] = "";
	int r;

	r = fleet_host_id(m, id, sizeof(id));
	if (r < 0)
		return tdx_diag_set(diag, r, "FleetLock: no machine id for the client id: %s",
				    strerror(-r));
	struct tdx_fleetlock c = {
		.base_url = m->config->fleet.fleetlock_url,
		.group = m->config->fleet.fleetlock_group,
		.id = id,
		.timeout_usec = FLEETLOCK_REQUEST_TIMEOUT_USEC,
	};
	r = m->hooks_in_units ? fleet_lock_request_in_unit(m, &c, api, kind, diag)
			      : tdx_fleetlock_request(&c, api, kind, diag);
	pthread_mutex_lock(&counters_lock);
	tdx_fleetlock_count(&fleet_lock_counters, api, r < 0 ? kind : NULL);
	pthread_mutex_unlock(&counters_lock);
	return r;
}

static void sleep_usec(uint64_t usec)
{
	struct timespec ts = {.tv_sec = (time_t)(usec / USEC_PER_SEC),
			      .tv_nsec = (long)(usec % USEC_PER_SEC) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int fleet_lock_take(struct manager *m, struct tdx_diag *diag)
{
	uint64_t waited = 0, delay = FLEETLOCK_BACKOFF_FIRST_USEC;
	int r;

	if (!fleet_lock_enabled(m))
		return 0;
	for (;;) {
		r = fleet_lock_call(m, TDX_FLEETLOCK_PRE_REBOOT, diag);
		if (r >= 0) {
			log_info("FleetLock: slot taken in group %s",
				 m->config->fleet.fleetlock_group);
			return 0;
		}
		if (waited + delay > m->config->upload_timeout_usec)
			break;
		sleep_usec(delay);
		waited += delay;
		delay = delay * 2 > FLEETLOCK_BACKOFF_MAX_USEC ? FLEETLOCK_BACKOFF_MAX_USEC
							       : delay * 2;
	}
	/* a copy: diag->msg as an argument of the call that rewrites it is undefined */
	char last[TDX_DIAG_MAX];

	snprintf(last, sizeof(last), "%s", diag->msg);
	return tdx_diag_set(diag, -EBUSY,
			    "FleetLock: no update slot in group %s after %llu s (last: %s); "
			    "nothing written",
			    m->config->fleet.fleetlock_group,
			    (unsigned long long)(waited / USEC_PER_SEC), last);
}

int fleet_lock_release(struct manager *m, const char *why)
{
	struct tdx_diag diag = {};
	int r = 0;

	if (!fleet_lock_enabled(m))
		return 0;
	for (unsigned i = 0; i < FLEETLOCK_RELEASE_TRIES; i++) {
		if (i > 0)
			sleep_usec(FLEETLOCK_BACKOFF_FIRST_USEC << i);
		r = fleet_lock_call(m, TDX_FLEETLOCK_STEADY_STATE, &diag);
		if (r >= 0) {
			log_info("FleetLock: slot released (%s)", why);
			return 0;
		}
	}
	log_warning("FleetLock: cannot release the slot (%s): %s", why, diag.msg);
	return r;
}
