// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * [Hooks]: the sandbox of the transient unit each hook runs in. Only a
 * small allow-list of systemd.exec(5) properties, each checked here the way
 * systemd would, so a typo is refused when tdxd.conf loads rather than when
 * the first update asks systemd for a unit (and then vetoes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config-internal.h"
#include <tdx/macro.h>
#include <tdx/string-table.h>

#define USER_NAME_MAX 31u

static const char *const tdx_hooks_transient_table[] = {
	[TDX_HOOKS_TRANSIENT_AUTO] = "auto",
	[TDX_HOOKS_TRANSIENT_YES] = "yes",
	[TDX_HOOKS_TRANSIENT_NO] = "no",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_hooks_transient, enum tdx_hooks_transient, );

static const char *const protect_system_values[] = {"no", "yes", "full", "strict", NULL};
static const char *const protect_home_values[] = {"no", "yes", "read-only", "tmpfs", NULL};

int tdx_hooks_profile_init(struct tdx_hooks_profile *p)
{
	*p = (struct tdx_hooks_profile){
		.user = strdup(""),
		.group = strdup(""),
		.protect_system = strdup(TDX_HOOKS_DEFAULT_PROTECT_SYSTEM),
		.protect_home = strdup(TDX_HOOKS_DEFAULT_PROTECT_HOME),
		.private_tmp = true,
		.no_new_privileges = true,
		.read_write_paths = calloc(1, sizeof(char *)),
	};
	if (!p->user || !p->group || !p->protect_system || !p->protect_home || !p->read_write_paths)
		return -ENOMEM;
	return 0;
}

void tdx_hooks_profile_done(struct tdx_hooks_profile *p)
{
	free(p->user);
	free(p->group);
	free(p->protect_system);
	free(p->protect_home);
	tdx_strv_free(p->read_write_paths);
	free(p->ip_allow);
	free(p->ip_deny);
	*p = (struct tdx_hooks_profile){};
}

static int parse_word(const char *v, const char *const *values, char **ret)
{
	for (size_t i = 0; values[i]; i++)
		if (strcmp(v, values[i]) == 0)
			return tdx_config_set_string(ret, v);
	return -EINVAL;
}

/* "" (root), a decimal uid, or a name as useradd(8) accepts it by default. */
static int parse_user(const char *v, char **ret)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
	static const char rest[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
				   "0123456789-";
	size_t n = strlen(v);

	if (n > 0 && strspn(v, "0123456789") == n) {
		char *end;
		unsigned long uid = strtoul(v, &end, 10);

		/* 65535 and (uid_t)-1 mean "no user" to the kernel and systemd */
		if (n > 10 || uid >= 0x7fffffffUL || uid == 65535)
			return -EINVAL;
	} else if (n > 0 && (n > USER_NAME_MAX || !strchr(first, v[0]) || strspn(v, rest) != n))
		return -EINVAL;
	return tdx_config_set_string(ret, v);
}

/* Like tdx_config_parse_path(), with systemd's "-" prefix (ignore when missing). */
static bool is_rw_path(const char *w)
{
	_cleanup_free_ char *p = NULL;

	if (w[0] == '-')
		w++;
	return tdx_config_parse_path(w, &p) == 0;
}

/* Splits v at white space into words; each must pass ok(). NULL terminated. */
static int split_words(const char *v, bool (*ok)(const char *), char ***ret)
{
	_cleanup_free_ char *copy = strdup(v);
	char **list = NULL, *save = NULL;
	size_t n = 0;

	if (!copy)
		return -ENOMEM;
	list = calloc(TDX_HOOKS_MAX_LIST + 1, sizeof(char *));
	if (!list)
		return -ENOMEM;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == TDX_HOOKS_MAX_LIST || !ok(w)) {
			tdx_strv_free(list);
			return -EINVAL;
		}
		list[n] = strdup(w);
		if (!list[n++]) {
			tdx_strv_free(list);
			return -ENOMEM;
		}
	}
	*ret = list;
	return 0;
}

static int parse_rw_paths(const char *v, char ***field)
{
	char **list;
	int r;

	r = split_words(v, is_rw_path, &list);
	if (r < 0)
		return r;
	tdx_strv_free(*field);
	*field = list;
	return 0;
}

static void prefix_set(struct tdx_ip_prefix *p, int family, const void *addr, unsigned len)
{
	*p = (struct tdx_ip_prefix){.family = family, .prefixlen = len};
	memcpy(p->addr, addr, family == AF_INET ? 4 : 16);
}

/*
 * One word of IPAddressAllow=/IPAddressDeny=: systemd's keywords any,
 * localhost, link-local and multicast, or an address with an optional
 * /prefix. Appends one or two entries to out (room for two).
 */
/* systemd's IPAddressAllow= keywords, each an IPv4 and an IPv6 prefix. */
static const struct ip_keyword {
	const char *word;
	uint8_t v4[4], v4_len;
	uint8_t v6[16], v6_len;
} ip_keywords[] = {
	{"any", {0}, 0, {0}, 0},
	{"localhost", {127}, 8, {[15] = 1}, 128},
	{"link-local", {169, 254}, 16, {0xfe, 0x80}, 64},
	{"multicast", {224}, 4, {0xff}, 8},
};

static int parse_ip_word(const char *w, struct tdx_ip_prefix *out, size_t *n)
{
	char addr[INET6_ADDRSTRLEN], *slash;
	uint8_t buf[16];
	unsigned long len;
	int family;

	for (size_t i = 0; i < ELEMENTSOF(ip_keywords); i++) {
		const struct ip_keyword *k = &ip_keywords[i];

		if (strcmp(w, k->word) != 0)
			continue;
		prefix_set(&out[(*n)++], AF_INET, k->v4, k->v4_len);
		prefix_set(&out[(*n)++], AF_INET6, k->v6, k->v6_len);
		return 0;
	}
	if (strlen(w) >= sizeof(addr) + 4)
		return -EINVAL;
	slash = strchr(w, '/');
	/* the address part, slash or not, must fit addr with its NUL */
	if ((size_t)(slash ? slash - w : (ptrdiff_t)strlen(w)) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, w, slash ? (size_t)(slash - w) : strlen(w) + 1);
	if (slash)
		addr[slash - w] = '\0';
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, buf) != 1)
		return -EINVAL;
	len = family == AF_INET ? 32 : 128;
	if (slash) {
		char *end;
		unsigned long max = len;

		if (!slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1))
			return -EINVAL;
		len = strtoul(slash + 1, &end, 10);
		if (len > max)
			return -EINVAL;
	}
	prefix_set(&out[(*n)++], family, buf, (unsigned)len);
	return 0;
}

/* White-space separated words; "" clears the list. */
static int parse_ip_list(const char *v, struct tdx_ip_prefix **field, size_t *n_field)
{
	_cleanup_free_ char *copy = strdup(v);
	_cleanup_free_ struct tdx_ip_prefix *list = NULL;
	char *save = NULL;
	size_t n = 0;

	if (!copy)
		return -ENOMEM;
	list = calloc(2 * TDX_HOOKS_MAX_LIST, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (n + 2 > 2 * TDX_HOOKS_MAX_LIST || parse_ip_word(w, list, &n) < 0)
			return -EINVAL;
	free(*field);
	*field = TAKE_PTR(list);
	*n_field = n;
	return 0;
}

int tdx_config_set_hooks(struct tdx_hooks_profile *p, const char *k, const char *v)
{
	if (strcmp(k, "TransientUnit") == 0) {
		for (size_t i = 0; i < ELEMENTSOF(tdx_hooks_transient_table); i++)
			if (strcmp(v, tdx_hooks_transient_table[i]) == 0) {
				p->transient_unit = (enum tdx_hooks_transient)i;
				return 1;
			}
		return -EINVAL;
	}
	if (strcmp(k, "User") == 0)
		return parse_user(v, &p->user) ?: 1;
	if (strcmp(k, "Group") == 0)
		return parse_user(v, &p->group) ?: 1;
	if (strcmp(k, "ProtectSystem") == 0)
		return parse_word(v, protect_system_values, &p->protect_system) ?: 1;
	if (strcmp(k, "ProtectHome") == 0)
		return parse_word(v, protect_home_values, &p->protect_home) ?: 1;
	if (strcmp(k, "PrivateTmp") == 0)
		return tdx_config_parse_bool(v, &p->private_tmp) ?: 1;
	if (strcmp(k, "NoNewPrivileges") == 0)
		return tdx_config_parse_bool(v, &p->no_new_privileges) ?: 1;
	if (strcmp(k, "ReadWritePaths") == 0)
		return parse_rw_paths(v, &p->read_write_paths) ?: 1;
	if (strcmp(k, "IPAddressAllow") == 0)
		return parse_ip_list(v, &p->ip_allow, &p->n_ip_allow) ?: 1;
	if (strcmp(k, "IPAddressDeny") == 0)
		return parse_ip_list(v, &p->ip_deny, &p->n_ip_deny) ?: 1;
	return 0;
}
