// SPDX-License-Identifier: LGPL-2.1-or-later
/* Held inhibitor keys as tdxctl prints them: inhibit --list and status, text and JSON. */
#include <errno.h>
#include <inttypes.h>

#include "inhibit-named.h"

/* Adds key=value to o, taking value (freed on failure); -ENOMEM when value or o is NULL. */
static int json_add(json_object *o, const char *key, json_object *value)
{
	if (!value)
		return -ENOMEM;
	if (!o || json_object_object_add(o, key, value) < 0) {
		json_object_put(value);
		return -ENOMEM;
	}
	return 0;
}

static json_object *key_to_json(const struct tdx_inhibit_key *k)
{
	json_object *o = json_object_new_object();
	bool known = !k->unreadable;

	if (json_add(o, "key", json_object_new_string(k->key)) < 0 ||
	    json_add(o, "who", json_object_new_string(k->who)) < 0 ||
	    json_add(o, "why", json_object_new_string(k->why)) < 0 ||
	    json_add(o, "uid", json_object_new_int64(k->uid)) < 0)
		goto fail;
	/* json_add() refuses NULL, which is JSON null here */
	if (json_object_object_add(
		    o, "time_left_sec",
		    known ? json_object_new_int64(
				    (int64_t)((k->left_usec + USEC_PER_SEC - 1) / USEC_PER_SEC))
			  : NULL) < 0 ||
	    json_object_object_add(o, "expires_usec",
				   known ? json_object_new_int64((int64_t)k->expires_realtime_usec)
					 : NULL) < 0)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

json_object *inhibit_keys_to_json(const struct tdx_inhibit_keys *keys)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < keys->n_held; i++) {
		json_object *o = key_to_json(&keys->held[i]);

		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

void inhibit_keys_print_text(FILE *f, const struct tdx_inhibit_keys *keys)
{
	char left[TDX_TIMESPAN_MAX];

	fprintf(f, "Held inhibitors: %zu\n", keys->n_held);
	for (size_t i = 0; i < keys->n_held; i++) {
		const struct tdx_inhibit_key *k = &keys->held[i];

		if (k->unreadable)
			fprintf(f, "  %s: %s\n", k->key, k->why);
		else
			fprintf(f, "  %s by %s, %s left%s%s\n", k->key, k->who,
				tdx_format_timespan(k->left_usec, left, sizeof(left)),
				k->why[0] ? ": " : "", k->why);
	}
}
