// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Named inhibitors with a lifetime on the bus: HoldInhibitor(),
 * ReleaseInhibitor() and the HeldInhibitors property, for holders that
 * cannot keep an fd (libvirt's hooks). The keys live in files the library
 * owns (inhibit-keys.h), so `tdxctl --direct inhibit --hold` and tdxd see
 * the same set: an inotify watch on the directory keeps the cached property
 * true whoever wrote, and a CLOCK_BOOTTIME timer at the earliest expiry
 * removes expired keys and logs each with TDX_MESSAGE_INHIBIT_EXPIRED.
 */
#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <systemd/sd-journal.h>

#include "bus-names.h"
#include <tdx/inhibit-keys.h>
#include <tdx/image.h>
#include <tdx/lock.h>
#include "tdxd.h"

static void key_log(const char *message_id, int prio, const char *verb,
		    const struct tdx_inhibit_key *k)
{
	char left[TDX_TIMESPAN_MAX];

	tdx_format_timespan(k->left_usec, left, sizeof(left));
	if (sd_journal_send("MESSAGE=inhibitor key %s %s (who=%s, why=%s, %s left)", k->key, verb,
			    k->who, k->why, left, "MESSAGE_ID=%s", message_id, "PRIORITY=%d", prio,
			    "TDX_INHIBIT_KEY=%s", k->key, "TDX_INHIBIT_WHO=%s", k->who,
			    "TDX_INHIBIT_WHY=%s", k->why, "TDX_INHIBIT_UID=%u", k->uid,
			    NULL) >= 0 &&
	    !getenv("TDXD_LOG_STDERR"))
		return;
	log_msg(prio, "inhibitor key %s %s (who=%s, why=%s, %s left) [MESSAGE_ID=%s]", k->key, verb,
		k->who, k->why, left, message_id);
}

static int expiry_timer_arm(struct manager *m)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < m->held_keys.n_held; i++)
		if (!m->held_keys.held[i].unreadable && m->held_keys.held[i].expires_usec < next)
			next = m->held_keys.held[i].expires_usec;
	if (next == UINT64_MAX)
		return sd_event_source_set_enabled(m->keys_timer, SD_EVENT_OFF);
	(void)sd_event_source_set_time(m->keys_timer, next);
	return sd_event_source_set_enabled(m->keys_timer, SD_EVENT_ONESHOT);
}

/*
 * Re-reads the keys, removing and logging the expired ones: every reload
 * sweeps, so a key that expired between two reloads is never skipped.
 */
static void keys_reload(struct manager *m)
{
	struct tdx_inhibit_keys keys = {0};
	struct tdx_diag diag = {""};
	int r;

	r = tdx_inhibit_keys_list(NULL, NULL, true, &keys, &diag);
	if (r < 0) {
		log_error("named inhibitors: %s", diag.msg);
		return;
	}
	for (size_t i = 0; i < keys.n_expired; i++)
		key_log(TDX_MESSAGE_INHIBIT_EXPIRED, 5, "expired without a release",
			&keys.expired[i]);
	tdx_inhibit_keys_done(&m->held_keys);
	m->held_keys = keys;
	m->held_keys.expired = NULL;
	m->held_keys.n_expired = 0;
	free(keys.expired);
	(void)expiry_timer_arm(m);
	views_clear(m); /* status documents list the keys */
	if (m->bus)
		(void)sd_bus_emit_properties_changed(m->bus, TDX_BUS_PATH, TDX_BUS_IFACE,
						     "HeldInhibitors", NULL);
}

static int on_expiry(sd_event_source *s, uint64_t usec, void *userdata)
{
	keys_reload(userdata);
	return 0;
}

static int on_keys_dir_changed(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
	/* our own temp files come and go too; only a key's name changes the set */
	if (ev->len > 0 && ev->name[0] == '.')
		return 0;
	keys_reload(userdata);
	return 0;
}

static unsigned keys_of_uid(const struct manager *m, uint32_t uid)
{
	unsigned n = 0;

	for (size_t i = 0; i < m->held_keys.n_held; i++)
		n += m->held_keys.held[i].uid == uid;
	return n;
}

static const struct tdx_inhibit_key *key_find(const struct manager *m, const char *key)
{
	for (size_t i = 0; i < m->held_keys.n_held; i++)
		if (strcmp(m->held_keys.held[i].key, key) == 0)
			return &m->held_keys.held[i];
	return NULL;
}

/* Others' keys are not a non-root caller's to extend or release: a TD build relies on them. */
static int check_owner(struct manager *m, uint32_t uid, const char *key, sd_bus_error *error)
{
	const struct tdx_inhibit_key *k = key_find(m, key);

	if (uid == 0 || !k || k->uid == uid)
		return 0;
	return sd_bus_error_setf(error, TDX_BUS_ERROR_ACCESS_DENIED,
				 "key %s is held by uid %u; only it or root may change it", key,
				 k->uid);
}

static int hold_error(int r, const struct tdx_diag *diag, sd_bus_error *error)
{
	if (r == -EBUSY)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_BUSY, "%s", diag->msg);
	if (r == -EUSERS)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_LIMIT, "%s", diag->msg);
	if (r == -EINVAL)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", diag->msg);
	return sd_bus_error_set_errnof(error, r, "%s", diag->msg);
}

static int method_hold_continue(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	struct tdx_inhibit_hold_req req = {.max_ttl_usec = m->config->inhibit_max_hold_usec};
	struct tdx_diag diag = {""};
	struct tdx_inhibit_key k;
	uint32_t ttl_sec;
	int r;

	r = sd_bus_message_rewind(msg, true);
	if (r >= 0)
		r = sd_bus_message_read(msg, "sssu", &req.key, &req.who, &req.why, &ttl_sec);
	if (r >= 0)
		r = bus_caller_uid(msg, &req.uid);
	if (r < 0)
		return r;
	r = check_owner(m, req.uid, req.key, error);
	if (r < 0)
		return r;
	if (req.uid != 0 && !key_find(m, req.key) &&
	    keys_of_uid(m, req.uid) >= INHIBITORS_PER_UID_MAX)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_LIMIT,
					 "uid %u already holds %u keys, the most one user may hold",
					 req.uid, INHIBITORS_PER_UID_MAX);
	req.ttl_usec = (uint64_t)ttl_sec * USEC_PER_SEC;
	r = tdx_inhibit_key_hold(NULL, &req, NULL, &k, &diag);
	if (r < 0)
		return hold_error(r, &diag, error);
	key_log(TDX_MESSAGE_INHIBIT_HELD, 6, "held", &k);
	keys_reload(m); /* at once: the reply must not outrun the property */
	return sd_bus_reply_method_return(msg, "t", k.expires_realtime_usec);
}

static int method_hold(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return auth_check(userdata, msg, TDX_POLKIT_INHIBIT, method_hold_continue, error);
}

static int method_release_continue(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	struct tdx_diag diag = {""};
	struct tdx_inhibit_key k = {0};
	const char *key;
	uint32_t uid;
	int r;

	r = sd_bus_message_rewind(msg, true);
	if (r >= 0)
		r = sd_bus_message_read(msg, "s", &key);
	if (r >= 0)
		r = bus_caller_uid(msg, &uid);
	if (r < 0)
		return r;
	r = check_owner(m, uid, key, error);
	if (r < 0)
		return r;
	if (key_find(m, key))
		k = *key_find(m, key);
	r = tdx_inhibit_key_release(NULL, key, &diag);
	if (r < 0)
		return hold_error(r, &diag, error);
	if (r > 0) {
		snprintf(k.key, sizeof(k.key), "%s", key);
		key_log(TDX_MESSAGE_INHIBIT_RELEASED, 6, "released", &k);
	}
	keys_reload(m);
	return sd_bus_reply_method_return(msg, "b", r > 0);
}

static int method_release(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
	return auth_check(userdata, msg, TDX_POLKIT_INHIBIT, method_release_continue, error);
}

/* From the cache: a property read never touches the file system. */
static int property_get_held(sd_bus *bus, const char *path, const char *interface,
			     const char *property, sd_bus_message *reply, void *userdata,
			     sd_bus_error *error)
{
	struct manager *m = userdata;
	int r;

	r = sd_bus_message_open_container(reply, 'a', TDX_BUS_HELD_KEY);
	for (size_t i = 0; r >= 0 && i < m->held_keys.n_held; i++) {
		const struct tdx_inhibit_key *k = &m->held_keys.held[i];

		r = sd_bus_message_append(reply, TDX_BUS_HELD_KEY, k->key, k->who, k->why, k->uid,
					  k->unreadable ? UINT64_MAX : k->expires_realtime_usec);
	}
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

/* A second vtable on the Manager interface: sd-bus merges it into one interface. */
static const sd_bus_vtable named_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("HeldInhibitors", "a" TDX_BUS_HELD_KEY, property_get_held, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD_WITH_ARGS(
		"HoldInhibitor", SD_BUS_ARGS("s", key, "s", who, "s", why, "u", ttl_sec),
		SD_BUS_RESULT("t", expires_realtime_usec), method_hold, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ReleaseInhibitor", SD_BUS_ARGS("s", key),
				SD_BUS_RESULT("b", was_held), method_release,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

static int keys_watch(struct manager *m)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	r = tdx_inhibit_keys_dir(NULL, &dir);
	if (r < 0)
		return r;
	r = tdx_mkdir_parents(dir);
	if (r < 0) {
		log_error("cannot create %s: %s", dir, strerror(-r));
		return r;
	}
	return sd_event_add_inotify(m->event, &m->keys_inotify, dir,
				    IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM |
					    IN_CLOSE_WRITE | IN_ONLYDIR,
				    on_keys_dir_changed, m);
}

int named_inhibitors_start(struct manager *m)
{
	int r;

	r = sd_event_add_time(m->event, &m->keys_timer, CLOCK_BOOTTIME, UINT64_MAX, USEC_PER_SEC,
			      on_expiry, m);
	if (r < 0)
		return r;
	(void)sd_event_source_set_enabled(m->keys_timer, SD_EVENT_OFF);
	/* without the watch, keys still count (every update reads the files); only the property
	 * lags */
	r = keys_watch(m);
	if (r < 0)
		log_warning("named inhibitors: cannot watch their directory (%s); HeldInhibitors "
			    "shows keys tdxctl --direct holds only after tdxd's next change",
			    strerror(-r));
	keys_reload(m); /* keys that expired while tdxd was down are logged now */
	return sd_bus_add_object_vtable(m->bus, NULL, TDX_BUS_PATH, TDX_BUS_IFACE, named_vtable, m);
}

void named_inhibitors_stop(struct manager *m)
{
	m->keys_timer = sd_event_source_disable_unref(m->keys_timer);
	m->keys_inotify = sd_event_source_disable_unref(m->keys_inotify);
	tdx_inhibit_keys_done(&m->held_keys);
}
