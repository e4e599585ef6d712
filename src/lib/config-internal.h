/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by config.c and its companions (config-fleet.c, config-dropin.c); not API. */
#include <tdx/tdxd-conf.h>

int tdx_config_set_string(char **field, const char *v);
/*
 * tdx_config_load(), and whether the file was there (*ret_found, optional):
 * the caller needs no second look at the path (a round trip over NFS or 9p).
 */
int tdx_config_load_found(const char *path, struct tdx_config **ret, bool *ret_found,
			  struct tdx_diag *diag);
/* An absolute path without "..": 0 and *ret replaced, or -EINVAL. */
int tdx_config_parse_path(const char *v, char **ret);
/* Whole seconds, 1 .. 86400. */
int tdx_config_parse_seconds(const char *v, uint64_t *ret);

int tdx_fleet_config_init(struct tdx_fleet_config *f);
void tdx_fleet_config_done(struct tdx_fleet_config *f);
/* A fleet key: 1 when known and set, 0 when not a fleet key, -EINVAL for a bad value. */
int tdx_config_set_fleet(struct tdx_fleet_config *f, const char *section, const char *k,
			 const char *v);

/* yes/no/true/false/on/off/1/0, any case. */
int tdx_config_parse_bool(const char *v, bool *ret);

/* config-hooks.c: the [Hooks] sandbox profile. */
int tdx_hooks_profile_init(struct tdx_hooks_profile *p);
void tdx_hooks_profile_done(struct tdx_hooks_profile *p);
/* A [Hooks] profile key: 1 when known and set, 0 when not one, -EINVAL for a bad value. */
int tdx_config_set_hooks(struct tdx_hooks_profile *p, const char *k, const char *v);
