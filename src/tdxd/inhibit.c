// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Inhibitors, logind style: Inhibit() hands the caller the write end of a
 * pipe and keeps the read end. The inhibitor lives exactly as long as some
 * process holds the write end; when the last copy closes (or its holder
 * dies) the read end sees EPOLLHUP and the inhibitor goes. VMMs hold one
 * while they build or migrate a TD, which mainline does not protect against
 * a concurrent module update.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>

#include "bus-names.h"
#include <tdx/lock.h>
#include "tdxd.h"

/*
 * While any inhibitor is held, tdxd also holds the inhibit file (lock.h), so
 * `tdxctl --direct update` refuses too. Dropped before the count reaches the
 * worker, so a job waiting for the count to clear finds the file free.
 */
static void inhibit_file_release_if_unused(struct manager *m)
{
	if (m->n_inhibitors == 0)
		m->inhibit_file_fd = safe_close(m->inhibit_file_fd);
}

/*
 * The first inhibitor takes the shared hold, without waiting: while an
 * update (our job or `tdxctl --direct`) may still write to the kernel or has
 * not classified its hop, it holds the file exclusively and we refuse,
 * naming the hop. Later inhibitors share the hold already taken.
 */
static int inhibit_file_take(struct manager *m, struct tdx_diag *diag)
{
	if (m->inhibit_file_fd >= 0)
		return 0;
	return tdx_inhibit_hold(NULL, &m->inhibit_file_fd, diag);
}

static void inhibitors_changed(struct manager *m)
{
	inhibit_file_release_if_unused(m);
	pthread_mutex_lock(&m->inhibit_lock);
	m->inhibit_count = m->n_inhibitors;
	pthread_cond_broadcast(&m->inhibit_cond);
	pthread_mutex_unlock(&m->inhibit_lock);
	(void)sd_bus_emit_properties_changed(m->bus, TDX_BUS_PATH, TDX_BUS_IFACE, "Inhibitors",
					     NULL);
}

static void inhibitor_free(struct inhibitor *i)
{
	sd_event_source_disable_unref(i->source);
	safe_close(i->fd);
	free(i->who);
	free(i->why);
	free(i);
}

static int inhibitor_hangup(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct inhibitor *i = userdata;
	struct manager *m = i->manager;

	for (struct inhibitor **pp = &m->inhibitors; *pp; pp = &(*pp)->next)
		if (*pp == i) {
			*pp = i->next;
			break;
		}
	m->n_inhibitors--;
	log_info("inhibitor %u released (who=%s)", i->id, i->who);
	inhibitor_free(i);
	inhibitors_changed(m);
	return 0;
}

static int inhibitor_create(struct manager *m, sd_bus_message *msg, const char *who,
			    const char *why, int *ret_client_fd)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	struct inhibitor *i;
	int p[2], r;

	i = calloc(1, sizeof(*i));
	if (!i)
		return -ENOMEM;
	i->fd = -EBADF;
	i->manager = m;
	i->who = strdup(who);
	i->why = strdup(why);
	if (!i->who || !i->why) {
		inhibitor_free(i);
		return -ENOMEM;
	}
	if (sd_bus_query_sender_creds(msg,
				      SD_BUS_CREDS_PID | SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT,
				      &creds) >= 0) {
		pid_t pid = 0;
		uid_t uid = 0;

		(void)sd_bus_creds_get_pid(creds, &pid);
		(void)sd_bus_creds_get_euid(creds, &uid);
		i->pid = (uint32_t)pid;
		i->uid = (uint32_t)uid;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = negative_errno();
		inhibitor_free(i);
		return r;
	}
	i->fd = p[0];
	r = sd_event_add_io(m->event, &i->source, i->fd, EPOLLHUP, inhibitor_hangup, i);
	if (r < 0) {
		safe_close(p[1]);
		inhibitor_free(i);
		return r;
	}
	i->id = ++m->next_inhibitor_id;
	i->next = m->inhibitors;
	m->inhibitors = i;
	m->n_inhibitors++;
	log_info("inhibitor %u taken by %s (pid %u): %s", i->id, i->who, i->pid, i->why);
	inhibitors_changed(m);
	*ret_client_fd = p[1];
	return 0;
}

/*
 * Each inhibitor holds an fd of ours. Any active local session may inhibit
 * (polkit's default), so one user must not exhaust the daemon: a cap per
 * UID, and a global cap that leaves INHIBITORS_FD_RESERVE descriptors for
 * the bus, store reads, history, root's own inhibitors and an update in
 * progress.
 */
void inhibitors_set_limits(struct manager *m)
{
	struct rlimit rl;
	uint64_t cap = INHIBITORS_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		cap = rl.rlim_cur > INHIBITORS_FD_RESERVE ? rl.rlim_cur - INHIBITORS_FD_RESERVE : 0;
	m->inhibitors_max = (unsigned)(cap < INHIBITORS_MAX ? cap : INHIBITORS_MAX);
	log_debug("inhibitors: at most %u in all, %u per user", m->inhibitors_max,
		  INHIBITORS_PER_UID_MAX);
}

static unsigned inhibitors_of_uid(const struct manager *m, uint32_t uid)
{
	unsigned n = 0;

	for (const struct inhibitor *i = m->inhibitors; i; i = i->next)
		n += i->uid == uid;
	return n;
}

int bus_caller_uid(sd_bus_message *msg, uint32_t *ret)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	uid_t uid;
	int r;

	r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &uid);
	if (r < 0)
		return r;
	*ret = (uint32_t)uid;
	return 0;
}

/* root is held only to its per-UID cap, which the fd reserve covers: a flood never locks it out. */
static int inhibitor_check_caps(struct manager *m, sd_bus_message *msg, struct tdx_diag *diag)
{
	uint32_t uid;
	int r;

	r = bus_caller_uid(msg, &uid);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot identify the caller: %s", strerror(-r));
	if (uid != 0 && m->n_inhibitors >= m->inhibitors_max)
		return tdx_diag_set(diag, -EUSERS,
				    "too many inhibitors held on this host (%u, at most %u)",
				    m->n_inhibitors, m->inhibitors_max);
	if (inhibitors_of_uid(m, uid) >= INHIBITORS_PER_UID_MAX)
		return tdx_diag_set(
			diag, -EUSERS,
			"uid %u already holds %u inhibitors, the most one user may hold", uid,
			INHIBITORS_PER_UID_MAX);
	return 0;
}

int inhibitor_add(struct manager *m, sd_bus_message *msg, const char *who, const char *why,
		  int *ret_client_fd, struct tdx_diag *diag)
{
	int r;

	r = inhibitor_check_caps(m, msg, diag);
	if (r < 0)
		return r;
	r = inhibit_file_take(m, diag);
	if (r < 0)
		return r;
	r = inhibitor_create(m, msg, who, why, ret_client_fd);
	if (r < 0) {
		inhibit_file_release_if_unused(m);
		return tdx_diag_set(diag, r, "cannot add inhibitor: %s", strerror(-r));
	}
	return 0;
}

void inhibitors_free(struct manager *m)
{
	while (m->inhibitors) {
		struct inhibitor *i = m->inhibitors;

		m->inhibitors = i->next;
		inhibitor_free(i);
	}
	m->n_inhibitors = 0;
	inhibit_file_release_if_unused(m);
}

int inhibitors_append_bus(struct manager *m, sd_bus_message *reply)
{
	int r;

	r = sd_bus_message_open_container(reply, 'a', "(ssuu)");
	for (struct inhibitor *i = m->inhibitors; r >= 0 && i; i = i->next)
		r = sd_bus_message_append(reply, "(ssuu)", i->who, i->why, i->pid, i->uid);
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

/* Worker thread: the inhibitor count is the only manager state it reads. */
int inhibit_wait_clear(struct manager *m, struct tdx_diag *diag)
{
	struct timespec deadline;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)(m->config->inhibit_wait_usec / USEC_PER_SEC);
	pthread_mutex_lock(&m->inhibit_lock);
	if (m->config->inhibit_mode == TDX_INHIBIT_WAIT)
		while (m->inhibit_count > 0 && r == 0)
			r = pthread_cond_timedwait(&m->inhibit_cond, &m->inhibit_lock, &deadline);
	if (m->inhibit_count > 0)
		r = tdx_diag_set(diag, -EBUSY, "%u inhibitor%s held (see the Inhibitors property)",
				 m->inhibit_count, m->inhibit_count == 1 ? "" : "s");
	else
		r = 0;
	pthread_mutex_unlock(&m->inhibit_lock);
	return r;
}
