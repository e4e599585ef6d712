// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The node-feature-discovery feature file (local source, features.d/): one
 * "<namespace>/<name>=<value>" per line, in tdxd's own namespace so as not to
 * squat NFD's cpu-security.tdx.* names. Version labels are split like NFD's
 * kernel-version.{full,major,minor,revision}. MRSEAM (96 hex digits) is not a
 * valid label value, so it is a feature only (# +no-label). The expiry makes
 * the labels of a dead daemon go away.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tdx/fleet.h>
#include <tdx/macro.h>

#define LABEL_PREFIX_MAX 253u

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* (([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])? with at most max characters. */
static bool is_label_token(const char *v, size_t len, size_t max)
{
	if (len > max)
		return false;
	if (len == 0)
		return true;
	if (!is_alnum(v[0]) || !is_alnum(v[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(v[i]) && v[i] != '-' && v[i] != '_' && v[i] != '.')
			return false;
	return true;
}

bool tdx_label_value_valid(const char *v)
{
	return is_label_token(v, strlen(v), TDX_LABEL_VALUE_MAX);
}

/* Lower-case RFC 1123 labels joined by dots, at most 253 characters. */
static bool is_dns_subdomain(const char *v, size_t len)
{
	size_t start = 0;

	if (len == 0 || len > LABEL_PREFIX_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && v[i] != '.') {
			if (!(v[i] >= 'a' && v[i] <= 'z') && !(v[i] >= '0' && v[i] <= '9') &&
			    v[i] != '-')
				return false;
			continue;
		}
		if (i == start || i - start > 63 || v[start] == '-' || v[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

bool tdx_label_key_valid(const char *k)
{
	const char *slash = strchr(k, '/');
	const char *name = slash ? slash + 1 : k;

	if (slash && !is_dns_subdomain(k, (size_t)(slash - k)))
		return false;
	return name[0] && is_label_token(name, strlen(name), TDX_LABEL_VALUE_MAX);
}

struct label_writer {
	FILE *f;
	const char *ns;
	struct tdx_diag *diag;
	int err;
};

static void put_label(struct label_writer *w, const char *name, const char *value)
{
	char key[LABEL_PREFIX_MAX + 1 + TDX_LABEL_VALUE_MAX + 1];

	if (w->err < 0)
		return;
	snprintf(key, sizeof(key), "%s/%s", w->ns, name);
	if (!tdx_label_key_valid(key))
		w->err = tdx_diag_set(w->diag, -EINVAL, "label key %s is not a valid label", key);
	else if (!tdx_label_value_valid(value))
		w->err = tdx_diag_set(w->diag, -EINVAL, "label %s: value %.80s is not valid", key,
				      value);
	else
		fprintf(w->f, "%s=%s\n", key, value);
}

static void put_bool(struct label_writer *w, const char *name, bool v)
{
	put_label(w, name, v ? "true" : "false");
}

static void put_version_labels(struct label_writer *w, const char *version)
{
	unsigned major, minor, update;
	char buf[16];

	put_label(w, "module.full", version);
	if (sscanf(version, "%u.%u.%u", &major, &minor, &update) != 3)
		return;
	snprintf(buf, sizeof(buf), "%u", major);
	put_label(w, "module.major", buf);
	snprintf(buf, sizeof(buf), "%u", minor);
	put_label(w, "module.minor", buf);
	snprintf(buf, sizeof(buf), "%u", update);
	put_label(w, "module.update", buf);
}

static bool is_hex(const char *s)
{
	return s[0] && strspn(s, "0123456789abcdef") == strlen(s);
}

static int put_expiry(FILE *f, uint64_t expiry_usec)
{
	time_t t = (time_t)(expiry_usec / 1000000);
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -EINVAL;
	fprintf(f, "# +expiry-time=%s\n", buf);
	return 0;
}

static void put_labels(struct label_writer *w, const struct tdx_fleet_facts *x)
{
	char buf[24];

	if (x->module_version[0])
		put_version_labels(w, x->module_version);
	if (x->seamldr_version[0])
		put_label(w, "seamldr.full", x->seamldr_version);
	if (x->remaining_updates >= 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)x->remaining_updates);
		put_label(w, "remaining-updates", buf);
	}
	put_bool(w, "runtime-update", x->runtime_update);
	put_bool(w, "update-available", x->update_available);
	put_bool(w, "module-lost", x->module_lost);
}

int tdx_labels_render(const struct tdx_fleet_facts *x, const char *ns, uint64_t expiry_usec,
		      char **ret, struct tdx_diag *diag)
{
	char *text = NULL;
	size_t size = 0;
	struct label_writer w = {.ns = ns, .diag = diag};
	int r;

	w.f = open_memstream(&text, &size);
	if (!w.f)
		return -ENOMEM;
	fputs("# Written by tdxd from its cache; see tdxctl-fleet(7).\n", w.f);
	r = put_expiry(w.f, expiry_usec);
	if (r < 0)
		w.err = tdx_diag_set(diag, r, "expiry time out of range");
	put_labels(&w, x);
	/* A feature only: 96 hex digits are not a label value. */
	if (w.err >= 0 && is_hex(x->mrseam))
		fprintf(w.f, "# +no-label\n%s/mrseam=%s\n", ns, x->mrseam);
	if (fclose(w.f) != 0 && w.err >= 0)
		w.err = -ENOMEM;
	if (w.err >= 0 && size > TDX_LABELS_MAX_SIZE)
		w.err = tdx_diag_set(diag, -EFBIG,
				     "feature file of %zu bytes (NFD's limit is 64 KiB)", size);
	if (w.err < 0) {
		free(text);
		return w.err;
	}
	*ret = text;
	return 0;
}
