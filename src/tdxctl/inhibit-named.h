/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Named inhibitors in tdxctl: the inhibit --hold/--release/--list options and their rendering. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include <tdx/tdxd-conf.h>
#include <tdx/inhibit-keys.h>

#include "verbs.h"

/* inhibit --hold/--release/--list (verb-inhibit.c hands over when one is given). */
int verb_inhibit_named(const struct tdxctl_options *o, int argc, char **argv);

/*
 * [{"key", "who", "why", "uid", "time_left_sec", "expires_usec"}] (the last
 * two null for an unreadable key file), for inhibit --list and status.
 */
json_object *inhibit_keys_to_json(const struct tdx_inhibit_keys *keys);
/* "Held inhibitors: N" and one indented line per key. */
void inhibit_keys_print_text(FILE *f, const struct tdx_inhibit_keys *keys);
