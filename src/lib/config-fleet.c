// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fleet keys of tdxd.conf (issue 10): site approval, metrics, labels and
 * FleetLock. Strict like the rest of the file: a value that would be
 * rejected by the consumer (a Prometheus directory, a Kubernetes label
 * prefix, a FleetLock group) is rejected here, at load, with the key named.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "parse-util.h"

#define FLEETLOCK_URL_MAX 2048u

#define DNS_SUBDOMAIN_MAX 253u
#define DNS_LABEL_MAX	  63u

int tdx_fleet_config_init(struct tdx_fleet_config *f)
{
	*f = (struct tdx_fleet_config){
		.metrics_dir = strdup(""),
		.labels_dir = strdup(""),
		.labels_namespace = strdup(TDX_CONFIG_DEFAULT_LABELS_NAMESPACE),
		.labels_refresh_usec = TDX_CONFIG_DEFAULT_LABELS_REFRESH_USEC,
		.fleetlock_url = strdup(""),
		.fleetlock_group = strdup(TDX_CONFIG_DEFAULT_FLEETLOCK_GROUP),
		.fleetlock_id = strdup(""),
	};
	if (!f->metrics_dir || !f->labels_dir || !f->labels_namespace || !f->fleetlock_url ||
	    !f->fleetlock_group || !f->fleetlock_id)
		return -ENOMEM;
	return 0;
}

void tdx_fleet_config_done(struct tdx_fleet_config *f)
{
	free(f->approved);
	free(f->metrics_dir);
	free(f->labels_dir);
	free(f->labels_namespace);
	free(f->fleetlock_url);
	free(f->fleetlock_group);
	free(f->fleetlock_id);
	*f = (struct tdx_fleet_config){};
}

/* Exactly 96 hex digits. */
static int parse_sha384(const char *s, size_t len, uint8_t out[static TDX_CONFIG_SHA384_SIZE])
{
	return parse_hex_exact(s, len, out, TDX_CONFIG_SHA384_SIZE);
}

/* SHA-384 digests separated by white space or commas; empty: every image approved. */
static int parse_approved(const char *v, struct tdx_fleet_config *f)
{
	static const char sep[] = " \t,";
	uint8_t(*list)[TDX_CONFIG_SHA384_SIZE] = NULL;
	size_t n = 0;

	for (const char *p = v + strspn(v, sep); *p; p += strspn(p, sep)) {
		size_t len = strcspn(p, sep);
		void *grown;

		if (n >= TDX_CONFIG_MAX_APPROVED)
			goto invalid;
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (!grown) {
			free(list);
			return -ENOMEM;
		}
		list = grown;
		if (parse_sha384(p, len, list[n++]) < 0)
			goto invalid;
		p += len;
	}
	free(f->approved);
	f->approved = list;
	f->n_approved = n;
	return 0;
invalid:
	free(list);
	return -EINVAL;
}

static int parse_optional_path(const char *v, char **ret)
{
	return v[0] ? tdx_config_parse_path(v, ret) : tdx_config_set_string(ret, "");
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A Kubernetes label prefix is a DNS subdomain: dot-separated RFC 1123 labels. */
static bool is_dns_subdomain(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > DNS_SUBDOMAIN_MAX)
		return false;
	for (const char *p = v; *p;) {
		size_t len = strcspn(p, ".");

		if (len == 0 || len > DNS_LABEL_MAX || !is_lower_alnum(p[0]) ||
		    !is_lower_alnum(p[len - 1]))
			return false;
		for (size_t i = 0; i < len; i++)
			if (!is_lower_alnum(p[i]) && p[i] != '-')
				return false;
		p += len;
		if (*p == '.' && *++p == '\0')
			return false;
	}
	return true;
}

/* nfd-master refuses kubernetes.io and its sub-domains. */
static bool is_kubernetes_namespace(const char *v)
{
	size_t n = strlen(v);

	return strcmp(v, "kubernetes.io") == 0 ||
	       (n > 14 && strcmp(v + n - 14, ".kubernetes.io") == 0);
}

static int parse_namespace(const char *v, char **ret)
{
	if (!is_dns_subdomain(v) || is_kubernetes_namespace(v))
		return -EINVAL;
	return tdx_config_set_string(ret, v);
}

/* "" (off) or an http(s) URL without white space, quotes or control characters. */
static int parse_url(const char *v, char **ret)
{
	if (v[0] && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return -EINVAL;
	if (strlen(v) > FLEETLOCK_URL_MAX)
		return -EINVAL;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\' || *p == 0x7f)
			return -EINVAL;
	return tdx_config_set_string(ret, v);
}

/* The FleetLock protocol's group: ^[a-zA-Z0-9.-]+$. */
static int parse_group(const char *v, char **ret)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789.-";

	if (!v[0] || strspn(v, allowed) != strlen(v))
		return -EINVAL;
	return tdx_config_set_string(ret, v);
}

/* "" (derived from the machine id) or printable ASCII without spaces or quotes. */
static int parse_id(const char *v, char **ret)
{
	if (strlen(v) > TDX_FLEETLOCK_ID_MAX)
		return -EINVAL;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '"' ||
		    *p == '\\')
			return -EINVAL;
	return tdx_config_set_string(ret, v);
}

int tdx_config_set_fleet(struct tdx_fleet_config *f, const char *section, const char *k,
			 const char *v)
{
	if (strcmp(section, "Update") == 0) {
		if (strcmp(k, "ApprovedImages") == 0)
			return parse_approved(v, f) ?: 1;
	} else if (strcmp(section, "Metrics") == 0) {
		if (strcmp(k, "TextfileDirectory") == 0)
			return parse_optional_path(v, &f->metrics_dir) ?: 1;
	} else if (strcmp(section, "Labels") == 0) {
		if (strcmp(k, "Directory") == 0)
			return parse_optional_path(v, &f->labels_dir) ?: 1;
		if (strcmp(k, "Namespace") == 0)
			return parse_namespace(v, &f->labels_namespace) ?: 1;
		if (strcmp(k, "RefreshSec") == 0)
			return tdx_config_parse_seconds(v, &f->labels_refresh_usec) ?: 1;
	} else if (strcmp(section, "FleetLock") == 0) {
		if (strcmp(k, "BaseURL") == 0)
			return parse_url(v, &f->fleetlock_url) ?: 1;
		if (strcmp(k, "Group") == 0)
			return parse_group(v, &f->fleetlock_group) ?: 1;
		if (strcmp(k, "ID") == 0)
			return parse_id(v, &f->fleetlock_id) ?: 1;
	}
	return 0;
}

bool tdx_config_image_approved(const struct tdx_config *c, const uint8_t sha384[static 48])
{
	if (c->fleet.n_approved == 0)
		return true;
	for (size_t i = 0; i < c->fleet.n_approved; i++)
		if (memcmp(c->fleet.approved[i], sha384, TDX_CONFIG_SHA384_SIZE) == 0)
			return true;
	return false;
}
