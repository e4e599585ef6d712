// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Named inhibitors with a lifetime: one file per key in inhibit.d beside the
 * update lock. See inhibit-keys.h for why the clock is CLOCK_BOOTTIME plus
 * the boot id, and how a hold and an update exclude each other.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tdx/image.h>
#include <tdx/inhibit-keys.h>
#include <tdx/lock.h>
#include <tdx/macro.h>

#define KEY_FILE_MAX	  4096u
#define BOOT_ID_PATH	  "/proc/sys/kernel/random/boot_id"
#define KEY_FIELD_WHO	  "who="
#define KEY_FIELD_WHY	  "why="
#define KEY_FIELD_UID	  "uid="
#define KEY_FIELD_BOOT	  "boot_id="
#define KEY_FIELD_EXPIRES "expires_boottime_usec="

static uint64_t clock_usec(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

/* The boot id without dashes, as sd_id128 prints it. */
static int read_boot_id(char buf[static TDX_BOOT_ID_MAX])
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size, n = 0;
	int r;

	r = tdx_file_read_all(BOOT_ID_PATH, 64, &data, &size, NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; i < size && n < TDX_BOOT_ID_MAX - 1; i++)
		if (data[i] != '-' && data[i] != '\n')
			buf[n++] = (char)data[i];
	buf[n] = '\0';
	return n == TDX_BOOT_ID_MAX - 1 ? 0 : -EIO;
}

int tdx_inhibit_now(struct tdx_inhibit_now *ret)
{
	struct tdx_inhibit_now now = {
		.boottime_usec = clock_usec(CLOCK_BOOTTIME),
		.realtime_usec = clock_usec(CLOCK_REALTIME),
	};
	int r;

	r = read_boot_id(now.boot_id);
	if (r < 0)
		return r;
	*ret = now;
	return 0;
}

static bool key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_.:@-", c);
}

int tdx_inhibit_key_validate(const char *key, struct tdx_diag *diag)
{
	size_t n = key ? strlen(key) : 0;

	if (n == 0)
		return tdx_diag_set(diag, -EINVAL, "the key is empty");
	if (n > TDX_INHIBIT_KEY_MAX)
		return tdx_diag_set(diag, -EINVAL, "the key is %zu bytes long, at most %d", n,
				    TDX_INHIBIT_KEY_MAX);
	if (key[0] == '.')
		return tdx_diag_set(diag, -EINVAL, "the key \"%s\" starts with '.'", key);
	for (size_t i = 0; i < n; i++)
		if (!key_char_ok(key[i]))
			return tdx_diag_set(diag, -EINVAL,
					    "the key \"%.*s\" has '%c' at byte %zu; only letters, "
					    "digits and _.:@- are allowed",
					    (int)n, key,
					    key[i] >= ' ' && key[i] < 127 ? key[i] : '?', i);
	return 0;
}

/* who and why are single lines of text: they go into a key=value file and a log line. */
static int text_validate(const char *what, const char *s, size_t max, bool empty_ok,
			 struct tdx_diag *diag)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 && !empty_ok)
		return tdx_diag_set(diag, -EINVAL, "%s is empty", what);
	if (n > max)
		return tdx_diag_set(diag, -EINVAL, "%s is %zu bytes long, at most %zu", what, n,
				    max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 127)
			return tdx_diag_set(diag, -EINVAL, "%s has a control character at byte %zu",
					    what, i);
	return 0;
}

int tdx_inhibit_keys_dir(const char *lock_path, char **ret)
{
	return tdx_lock_sibling_path(lock_path, TDX_INHIBIT_KEYS_DIR, ret);
}

static int key_path(const char *lock_path, const char *key, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	r = tdx_inhibit_keys_dir(lock_path, &dir);
	if (r < 0)
		return r;
	if (asprintf(ret, "%s/%s", dir, key) < 0)
		return -ENOMEM;
	return 0;
}

static bool field(const char *line, const char *name, const char **ret_value)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0)
		return false;
	*ret_value = line + n;
	return true;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int parse_line(struct tdx_inhibit_key *k, char *boot_id, const char *line)
{
	const char *v;
	uint64_t u;

	if (field(line, KEY_FIELD_WHO, &v))
		snprintf(k->who, sizeof(k->who), "%s", v);
	else if (field(line, KEY_FIELD_WHY, &v))
		snprintf(k->why, sizeof(k->why), "%s", v);
	else if (field(line, KEY_FIELD_UID, &v)) {
		if (parse_u64(v, &u) < 0 || u > UINT32_MAX)
			return -EINVAL;
		k->uid = (uint32_t)u;
	} else if (field(line, KEY_FIELD_BOOT, &v))
		snprintf(boot_id, TDX_BOOT_ID_MAX, "%s", v);
	else if (field(line, KEY_FIELD_EXPIRES, &v))
		return parse_u64(v, &k->expires_usec) < 0 ? -EINVAL : 1;
	return 0;
}

int tdx_inhibit_key_parse(char *text, struct tdx_inhibit_key *k, char *boot_id)
{
	bool have_expiry = false;
	char *save = NULL;

	boot_id[0] = '\0';
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int r = parse_line(k, boot_id, line);

		if (r < 0)
			return r;
		have_expiry |= r > 0;
	}
	return have_expiry && k->who[0] && boot_id[0] ? 0 : -EINVAL;
}

/*
 * Reads the file of key. An unreadable or malformed file is reported as a
 * held key with no known expiry: only root writes there, and guessing that
 * a TD build is over is the one mistake we must not make.
 */
static int key_read(const char *path, const char *key, const struct tdx_inhibit_now *now,
		    struct tdx_inhibit_key *ret)
{
	_cleanup_free_ uint8_t *data = NULL;
	struct tdx_inhibit_key k = {0};
	char boot_id[TDX_BOOT_ID_MAX];
	size_t size;
	int r;

	snprintf(k.key, sizeof(k.key), "%s", key);
	r = tdx_file_read_all(path, KEY_FILE_MAX, &data, &size, NULL);
	if (r == -ENOENT)
		return r;
	if (r < 0 || strlen((char *)data) != size ||
	    tdx_inhibit_key_parse((char *)data, &k, boot_id) < 0) {
		k = (struct tdx_inhibit_key){.unreadable = true};
		snprintf(k.key, sizeof(k.key), "%s", key);
		snprintf(k.who, sizeof(k.who), "?");
		snprintf(k.why, sizeof(k.why), "%s is not a key file tdxctl can read (%s)", path,
			 r < 0 ? strerror(-r) : "malformed");
		*ret = k;
		return 0;
	}
	if (strcmp(boot_id, now->boot_id) != 0 || k.expires_usec <= now->boottime_usec)
		k.left_usec = 0;
	else
		k.left_usec = k.expires_usec - now->boottime_usec;
	k.expires_realtime_usec = now->realtime_usec + k.left_usec;
	*ret = k;
	return k.left_usec > 0 ? 0 : -ESTALE;
}

static int now_or_real(const struct tdx_inhibit_now *now, struct tdx_inhibit_now *buf)
{
	if (now) {
		*buf = *now;
		return 0;
	}
	return tdx_inhibit_now(buf);
}

int tdx_inhibit_key_get(const char *lock_path, const char *key, const struct tdx_inhibit_now *now,
			struct tdx_inhibit_key *ret, struct tdx_diag *diag)
{
	_cleanup_free_ char *path = NULL;
	struct tdx_inhibit_now t;
	int r;

	r = tdx_inhibit_key_validate(key, diag);
	if (r < 0)
		return r;
	r = now_or_real(now, &t);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot read the boot id: %s", strerror(-r));
	r = key_path(lock_path, key, &path);
	if (r < 0)
		return tdx_diag_set(diag, r, "out of memory");
	r = key_read(path, key, &t, ret);
	return r == -ESTALE ? -ENOENT : r;
}

static int key_write(const char *path, const struct tdx_inhibit_key *k, const char *boot_id)
{
	_cleanup_free_ char *text = NULL;
	int n;

	n = asprintf(&text, "%s%s\n%s%s\n%s%" PRIu32 "\n%s%s\n%s%" PRIu64 "\n", KEY_FIELD_WHO,
		     k->who, KEY_FIELD_WHY, k->why, KEY_FIELD_UID, k->uid, KEY_FIELD_BOOT, boot_id,
		     KEY_FIELD_EXPIRES, k->expires_usec);
	if (n < 0) {
		text = NULL;
		return -ENOMEM;
	}
	return tdx_file_write_atomic(path, text, (size_t)n, 0644);
}

static int hold_validate(const struct tdx_inhibit_hold_req *req, struct tdx_diag *diag)
{
	int r;

	r = tdx_inhibit_key_validate(req->key, diag);
	if (r >= 0)
		r = text_validate("who", req->who, TDX_INHIBIT_WHO_MAX, false, diag);
	if (r >= 0)
		r = text_validate("why", req->why, TDX_INHIBIT_WHY_MAX, true, diag);
	if (r >= 0 && req->ttl_usec == 0)
		r = tdx_diag_set(diag, -EINVAL, "the ttl is 0; a key must be held for some time");
	if (r >= 0 && req->max_ttl_usec == 0)
		r = tdx_diag_set(diag, -EINVAL, "MaxHoldSec= is 0: named inhibitors are disabled");
	return r;
}

/* Counts the key files (not the temp files) for the host-wide cap. */
static int count_keys(const char *dir, size_t *ret)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return errno == ENOENT ? (*ret = 0, 0) : negative_errno();
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	*ret = n;
	return 0;
}

/* Called with the inhibit file held shared: no update is between its check and its verdict. */
static int hold_locked(const char *lock_path, const struct tdx_inhibit_hold_req *req,
		       const struct tdx_inhibit_now *now, struct tdx_inhibit_key *ret,
		       struct tdx_diag *diag)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	struct tdx_inhibit_key k = {0}, old;
	uint64_t ttl = req->ttl_usec < req->max_ttl_usec ? req->ttl_usec : req->max_ttl_usec;
	size_t n;
	int r;

	r = tdx_inhibit_keys_dir(lock_path, &dir);
	if (r >= 0)
		r = key_path(lock_path, req->key, &path);
	if (r < 0)
		return tdx_diag_set(diag, r, "out of memory");
	r = key_read(path, req->key, now, &old);
	if (r == -ENOENT || r == -ESTALE) {
		r = count_keys(dir, &n);
		if (r == 0 && n >= TDX_INHIBIT_KEYS_MAX)
			return tdx_diag_set(diag, -EUSERS,
					    "%zu keys are held on this host, at most %u", n,
					    TDX_INHIBIT_KEYS_MAX);
		old = (struct tdx_inhibit_key){0};
	}
	snprintf(k.key, sizeof(k.key), "%s", req->key);
	snprintf(k.who, sizeof(k.who), "%s", req->who);
	snprintf(k.why, sizeof(k.why), "%s", req->why ? req->why : "");
	k.uid = req->uid;
	k.expires_usec = now->boottime_usec + ttl;
	if (!old.unreadable && old.left_usec > 0 && old.expires_usec > k.expires_usec)
		k.expires_usec = old.expires_usec; /* holding again never shortens a key */
	k.left_usec = k.expires_usec - now->boottime_usec;
	k.expires_realtime_usec = now->realtime_usec + k.left_usec;
	r = tdx_mkdir_parents(dir);
	if (r >= 0)
		r = key_write(path, &k, now->boot_id);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot write %s: %s", path, strerror(-r));
	*ret = k;
	return 0;
}

int tdx_inhibit_key_hold(const char *lock_path, const struct tdx_inhibit_hold_req *req,
			 const struct tdx_inhibit_now *now, struct tdx_inhibit_key *ret,
			 struct tdx_diag *diag)
{
	_cleanup_close_ int inhibit_fd = -EBADF;
	struct tdx_inhibit_now t;
	int r;

	r = hold_validate(req, diag);
	if (r < 0)
		return r;
	r = now_or_real(now, &t);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot read the boot id: %s", strerror(-r));
	/* refused, naming the hop, while an update may still write to the kernel */
	r = tdx_inhibit_hold(lock_path, &inhibit_fd, diag);
	if (r < 0)
		return r;
	return hold_locked(lock_path, req, &t, ret, diag);
}

int tdx_inhibit_key_release(const char *lock_path, const char *key, struct tdx_diag *diag)
{
	_cleanup_free_ char *path = NULL;
	int r;

	r = tdx_inhibit_key_validate(key, diag);
	if (r < 0)
		return r;
	r = key_path(lock_path, key, &path);
	if (r < 0)
		return tdx_diag_set(diag, r, "out of memory");
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		r = negative_errno();
		return tdx_diag_set(diag, r, "cannot remove %s: %s", path, strerror(-r));
	}
	return 1;
}

void tdx_inhibit_keys_done(struct tdx_inhibit_keys *k)
{
	free(k->held);
	free(k->expired);
	*k = (struct tdx_inhibit_keys){0};
}

static int keys_append(struct tdx_inhibit_key **v, size_t *n, const struct tdx_inhibit_key *k)
{
	struct tdx_inhibit_key *p = realloc(*v, (*n + 1) * sizeof(**v));

	if (!p)
		return -ENOMEM;
	p[(*n)++] = *k;
	*v = p;
	return 0;
}

static int key_compare(const void *a, const void *b)
{
	return strcmp(((const struct tdx_inhibit_key *)a)->key,
		      ((const struct tdx_inhibit_key *)b)->key);
}

/* One directory entry: held, expired (removed when sweeping), or not a key. */
static int list_entry(const char *dir, const char *name, const struct tdx_inhibit_now *now,
		      bool sweep, struct tdx_inhibit_keys *keys)
{
	_cleanup_free_ char *path = NULL;
	struct tdx_inhibit_key k;
	int r;

	if (name[0] == '.' || tdx_inhibit_key_validate(name, NULL) < 0)
		return 0; /* temp files of a write in flight, or not ours */
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	r = key_read(path, name, now, &k);
	if (r == 0)
		return keys_append(&keys->held, &keys->n_held, &k);
	if (r != -ESTALE || !sweep)
		return 0;
	/* gone already: someone released or swept it first, and reports it */
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	return keys_append(&keys->expired, &keys->n_expired, &k);
}

int tdx_inhibit_keys_list(const char *lock_path, const struct tdx_inhibit_now *now, bool sweep,
			  struct tdx_inhibit_keys *ret, struct tdx_diag *diag)
{
	_cleanup_(tdx_inhibit_keys_done) struct tdx_inhibit_keys keys = {0};
	_cleanup_free_ char *dir = NULL;
	struct tdx_inhibit_now t;
	struct dirent *de;
	DIR *d;
	int r;

	r = now_or_real(now, &t);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot read the boot id: %s", strerror(-r));
	r = tdx_inhibit_keys_dir(lock_path, &dir);
	if (r < 0)
		return tdx_diag_set(diag, r, "out of memory");
	d = opendir(dir);
	if (!d && errno != ENOENT) {
		r = negative_errno();
		return tdx_diag_set(diag, r, "cannot read %s: %s", dir, strerror(-r));
	}
	while (d && r >= 0 && (de = readdir(d)))
		r = list_entry(dir, de->d_name, &t, sweep, &keys);
	if (d)
		closedir(d);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot list %s: %s", dir, strerror(-r));
	if (keys.n_held > 1)
		qsort(keys.held, keys.n_held, sizeof(*keys.held), key_compare);
	*ret = keys;
	keys = (struct tdx_inhibit_keys){0};
	return 0;
}

int tdx_inhibit_keys_check(const char *lock_path, const struct tdx_inhibit_now *now,
			   struct tdx_diag *diag)
{
	_cleanup_(tdx_inhibit_keys_done) struct tdx_inhibit_keys keys = {0};
	const struct tdx_inhibit_key *k;
	char left[TDX_TIMESPAN_MAX], more[40] = "";
	int r;

	r = tdx_inhibit_keys_list(lock_path, now, false, &keys, diag);
	if (r < 0)
		return r;
	if (keys.n_held == 0)
		return 0;
	k = &keys.held[0];
	if (keys.n_held > 1)
		snprintf(more, sizeof(more), ", and %zu more key%s", keys.n_held - 1,
			 keys.n_held == 2 ? "" : "s");
	if (k->unreadable)
		return tdx_diag_set(diag, -EBUSY, "held key %s: %s%s", k->key, k->why, more);
	return tdx_diag_set(diag, -EBUSY, "key %s held by %s for %s more%s%s%s%s", k->key, k->who,
			    tdx_format_timespan(k->left_usec, left, sizeof(left)),
			    k->why[0] ? " (" : "", k->why, k->why[0] ? ")" : "", more);
}

char *tdx_format_timespan(uint64_t usec, char *buf, size_t size)
{
	uint64_t s = (usec + USEC_PER_SEC - 1) / USEC_PER_SEC;

	if (s >= 3600)
		snprintf(buf, size, "%" PRIu64 "h %" PRIu64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%" PRIu64 "m %" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, size, "%" PRIu64 "s", s);
	return buf;
}
