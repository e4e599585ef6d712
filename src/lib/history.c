// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Update history: parse, append with a bound, atomic save, quarantine of a
 * corrupt file. The file is evidence for operators after an incident, so a
 * bad file is moved aside, never overwritten.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/history.h>
#include <tdx/image.h>
#include <tdx/json.h>

#define HISTORY_FORMAT_VERSION 1

json_object *tdx_history_record_to_json(const struct tdx_history_record *r)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_object_object_add(o, "boot_id", json_object_new_string(r->boot_id)) < 0 ||
	    json_object_object_add(o, "time_usec", json_object_new_uint64(r->time_usec)) < 0 ||
	    json_object_object_add(o, "from", json_object_new_string(r->from)) < 0 ||
	    json_object_object_add(o, "to", json_object_new_string(r->to)) < 0 ||
	    json_object_object_add(o, "image_sha256", json_object_new_string(r->image_sha256)) <
		    0 ||
	    json_object_object_add(o, "seamldr_version", json_object_new_string(r->seamldr)) < 0 ||
	    json_object_object_add(o, "remaining_before",
				   json_object_new_int(r->remaining_before)) < 0 ||
	    json_object_object_add(o, "remaining_after", json_object_new_int(r->remaining_after)) <
		    0 ||
	    json_object_object_add(o, "result", json_object_new_string(r->result)) < 0 ||
	    json_object_object_add(o, "error", json_object_new_string(r->error)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_history_to_json(const struct tdx_history *h)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	json_object *arr = json_object_new_array();

	if (!o || !arr || json_object_object_add(o, "records", arr) < 0) {
		json_object_put(arr);
		return NULL;
	}
	if (json_object_object_add(o, "version", json_object_new_int(HISTORY_FORMAT_VERSION)) < 0)
		return NULL;
	for (size_t i = 0; i < h->n_records; i++) {
		json_object *r = tdx_history_record_to_json(&h->records[i]);

		if (!r || json_object_array_add(arr, r) < 0) {
			json_object_put(r);
			return NULL;
		}
	}
	return TAKE_PTR(o);
}

static int get_string(json_object *o, const char *key, char *field, size_t size,
		      struct tdx_diag *diag)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return tdx_diag_set(diag, -EINVAL, "record lacks \"%s\"", key);
	if (!json_object_is_type(v, json_type_string))
		return tdx_diag_set(diag, -EINVAL, "\"%s\" is not a string", key);
	tdx_history_set_field(field, size, json_object_get_string(v));
	return 0;
}

static int get_remaining(json_object *o, const char *key, int32_t *ret, struct tdx_diag *diag)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return tdx_diag_set(diag, -EINVAL, "\"%s\" is not an integer", key);
	n = json_object_get_int64(v);
	if (n < -1 || n > INT32_MAX)
		return tdx_diag_set(diag, -EINVAL, "\"%s\" is %" PRId64 ", out of range", key, n);
	*ret = (int32_t)n;
	return 0;
}

int tdx_history_record_from_json(json_object *o, struct tdx_history_record *rec,
				 struct tdx_diag *diag)
{
	struct tdx_history_record r = {};
	json_object *v;
	int e;

	if (!json_object_is_type(o, json_type_object))
		return tdx_diag_set(diag, -EINVAL, "record is not an object");
	if (!json_object_object_get_ex(o, "time_usec", &v) ||
	    !json_object_is_type(v, json_type_int))
		return tdx_diag_set(diag, -EINVAL, "\"time_usec\" is not an integer");
	r.time_usec = json_object_get_uint64(v);
	if ((e = get_string(o, "boot_id", r.boot_id, sizeof(r.boot_id), diag)) < 0 ||
	    (e = get_string(o, "from", r.from, sizeof(r.from), diag)) < 0 ||
	    (e = get_string(o, "to", r.to, sizeof(r.to), diag)) < 0 ||
	    (e = get_string(o, "image_sha256", r.image_sha256, sizeof(r.image_sha256), diag)) < 0 ||
	    (e = get_string(o, "seamldr_version", r.seamldr, sizeof(r.seamldr), diag)) < 0 ||
	    (e = get_remaining(o, "remaining_before", &r.remaining_before, diag)) < 0 ||
	    (e = get_remaining(o, "remaining_after", &r.remaining_after, diag)) < 0 ||
	    (e = get_string(o, "result", r.result, sizeof(r.result), diag)) < 0 ||
	    (e = get_string(o, "error", r.error, sizeof(r.error), diag)) < 0)
		return e;
	if (!r.result[0])
		return tdx_diag_set(diag, -EINVAL, "\"result\" is empty");
	*rec = r;
	return 0;
}

static int history_from_json(json_object *root, struct tdx_history **ret, struct tdx_diag *diag)
{
	_cleanup_(tdx_history_freep) struct tdx_history *h = NULL;
	json_object *v, *arr;
	size_t n;
	int r;

	if (!json_object_is_type(root, json_type_object))
		return tdx_diag_set(diag, -EINVAL, "top level is not an object");
	if (!json_object_object_get_ex(root, "version", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != HISTORY_FORMAT_VERSION)
		return tdx_diag_set(diag, -EINVAL, "\"version\" is not %d", HISTORY_FORMAT_VERSION);
	if (!json_object_object_get_ex(root, "records", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return tdx_diag_set(diag, -EINVAL, "\"records\" is not an array");
	r = tdx_history_new(&h);
	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	if (n > 0) {
		h->records = calloc(n, sizeof(*h->records));
		if (!h->records)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		r = tdx_history_record_from_json(json_object_array_get_idx(arr, i), &h->records[i],
						 diag);
		if (r < 0) {
			char where[32];

			snprintf(where, sizeof(where), "record %zu", i);
			tdx_diag_prefix(diag, where);
			return r;
		}
		h->n_records++;
	}
	*ret = TAKE_PTR(h);
	return 0;
}

int tdx_history_parse(const char *text, size_t size, struct tdx_history **ret,
		      struct tdx_diag *diag)
{
	_cleanup_(json_object_putp) json_object *root = NULL;
	json_tokener *tok;
	enum json_tokener_error jerr;
	size_t consumed;

	if (size > TDX_HISTORY_MAX_SIZE || size > INT32_MAX)
		return tdx_diag_set(diag, -EFBIG, "larger than %u bytes", TDX_HISTORY_MAX_SIZE);
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)size);
	jerr = json_tokener_get_error(tok);
	consumed = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success)
		return tdx_diag_set(diag, -EBADMSG, "JSON syntax error at offset %zu: %s", consumed,
				    json_tokener_error_desc(jerr));
	/* Trailing garbage means the file was not written by us in one piece. */
	for (size_t i = consumed; i < size; i++)
		if (text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\r')
			return tdx_diag_set(diag, -EBADMSG, "trailing data at offset %zu", i);
	return history_from_json(root, ret, diag);
}

int tdx_history_load(const char *path, struct tdx_history **ret, struct tdx_diag *diag)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	int r;

	r = tdx_file_read_all(path, TDX_HISTORY_MAX_SIZE, &data, &size, diag);
	if (r == -ENOENT)
		return tdx_history_new(ret);
	if (r < 0)
		return r;
	return tdx_history_parse((const char *)data, size, ret, diag);
}

int tdx_history_save(const struct tdx_history *h, const char *path)
{
	_cleanup_(json_object_putp) json_object *o = tdx_history_to_json(h);
	const char *text;
	size_t len;

	if (!o)
		return -ENOMEM;
	text = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!text)
		return -ENOMEM;
	return tdx_file_write_atomic(path, text, len, 0644);
}

int tdx_history_quarantine(const char *path, uint64_t now_usec, char **ret_new)
{
	_cleanup_free_ char *target = NULL;

	if (asprintf(&target, "%s.corrupt-%" PRIu64, path, (uint64_t)(now_usec / USEC_PER_SEC)) < 0)
		return -ENOMEM;
	if (rename(path, target) < 0)
		return negative_errno();
	if (ret_new)
		*ret_new = TAKE_PTR(target);
	return 0;
}
