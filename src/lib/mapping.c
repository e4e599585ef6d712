// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Intel's mapping_file.json (research: tdx-module-binaries.md §3). Strict
 * about the fields we use, tolerant of fields we do not know: Intel adds
 * fields (strict_compat_versions appeared in 14c28ce) and an old tdxctl must
 * keep reading new files. Every error names the JSON path of the culprit.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/image.h>
#include <tdx/mapping.h>
#include "mapping-internal.h"
#include "sort-util.h"

/* JSON paths for messages, each level sized to hold the one above plus its suffix. */
#define RELEASE_PATH_LEN 48			 /* "tdx_module_releases[N]" */
#define FIELD_PATH_LEN	 (RELEASE_PATH_LEN + 48) /* ".min_module_version_for_td_preserving" */
#define ITEM_PATH_LEN	 (FIELD_PATH_LEN + 24)	 /* "[N]" */

static void release_done(struct tdx_release *r)
{
	free(r->strict_compat);
	free(r->min_seamldr);
}

struct tdx_mapping *tdx_mapping_free(struct tdx_mapping *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n_releases; i++)
		release_done(&m->releases[i]);
	free(m->releases);
	free(m->header_version);
	free(m);
	return NULL;
}

static const char *type_name(struct json_object *o)
{
	return json_type_to_name(json_object_get_type(o));
}

static int expect_type(struct json_object *o, enum json_type type, const char *path,
		       struct tdx_diag *diag)
{
	if (json_object_is_type(o, type))
		return 0;
	return tdx_diag_set(diag, -EINVAL, "%s: expected %s %s, got %s", path,
			    type == json_type_array || type == json_type_object ? "an" : "a",
			    json_type_to_name(type), type_name(o));
}

static int parse_version_value(struct json_object *o, const char *path, struct tdx_version *ret,
			       struct tdx_diag *diag)
{
	int r = expect_type(o, json_type_string, path, diag);

	if (r < 0)
		return r;
	if (tdx_version_parse(json_object_get_string(o), ret) < 0)
		return tdx_diag_set(diag, -EINVAL, "%s: \"%.40s\" is not a version", path,
				    json_object_get_string(o));
	return 0;
}

/* Looks up a member of the object at path (NULL: top level); a missing required one is an error, a
 * missing optional one is *ret NULL. */
static int get_member(struct json_object *obj, const char *key, bool required, const char *path,
		      struct json_object **ret, struct tdx_diag *diag)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v)) {
		*ret = NULL;
		if (required)
			return tdx_diag_set(diag, -EINVAL, "%s%s%s: missing", path ? path : "",
					    path ? "." : "", key);
		return 0;
	}
	if (!v)
		return tdx_diag_set(diag, -EINVAL, "%s%s%s: is null", path ? path : "",
				    path ? "." : "", key);
	*ret = v;
	return 0;
}

static int parse_version_list(struct json_object *arr, const char *path, struct tdx_version **ret,
			      size_t *ret_n, struct tdx_diag *diag)
{
	_cleanup_free_ struct tdx_version *list = NULL;
	size_t n;
	int r;

	r = expect_type(arr, json_type_array, path, diag);
	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char item[ITEM_PATH_LEN];

		snprintf(item, sizeof(item), "%s[%zu]", path, i);
		r = parse_version_value(json_object_array_get_idx(arr, i), item, &list[i], diag);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(list);
	*ret_n = n;
	return 0;
}

/* "0xD1326F3F0FBF": a 0x prefix and 1 to 16 hex digits. */
static int parse_feature0(struct json_object *o, const char *path, uint64_t *ret,
			  struct tdx_diag *diag)
{
	const char *s;
	uint64_t v = 0;
	size_t len;
	int r;

	r = expect_type(o, json_type_string, path, diag);
	if (r < 0)
		return r;
	s = json_object_get_string(o);
	len = strlen(s);
	if (len < 3 || len > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != len - 2)
		return tdx_diag_set(diag, -EINVAL, "%s: \"%.40s\" is not a hex number", path, s);
	for (s += 2; *s; s++)
		v = (v << 4) | (uint64_t)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
	*ret = v;
	return 0;
}

static int parse_own_version(struct json_object *v, const char *field, struct tdx_release *rel,
			     struct tdx_diag *diag)
{
	return parse_version_value(v, field, &rel->version, diag);
}

static int parse_min_td(struct json_object *v, const char *field, struct tdx_release *rel,
			struct tdx_diag *diag)
{
	return parse_version_value(v, field, &rel->min_td_preserving, diag);
}

static int parse_min_seamldr(struct json_object *v, const char *field, struct tdx_release *rel,
			     struct tdx_diag *diag)
{
	return parse_version_list(v, field, &rel->min_seamldr, &rel->n_min_seamldr, diag);
}

static int parse_strict_compat(struct json_object *v, const char *field, struct tdx_release *rel,
			       struct tdx_diag *diag)
{
	rel->has_strict_compat = true;
	return parse_version_list(v, field, &rel->strict_compat, &rel->n_strict_compat, diag);
}

static int parse_tdx_feature0(struct json_object *v, const char *field, struct tdx_release *rel,
			      struct tdx_diag *diag)
{
	rel->has_tdx_feature0 = true;
	return parse_feature0(v, field, &rel->tdx_feature0, diag);
}

/* The release fields we use; anything else in a release object is ignored. */
static const struct release_field {
	const char *key;
	bool required;
	int (*parse)(struct json_object *v, const char *field, struct tdx_release *rel,
		     struct tdx_diag *diag);
} release_fields[] = {
	{"version", true, parse_own_version},
	{"min_module_version_for_td_preserving", true, parse_min_td},
	{"min_seamldr_versions", true, parse_min_seamldr},
	{"strict_compat_versions", false, parse_strict_compat},
	{"tdx_feature0", false, parse_tdx_feature0},
};

static int parse_release_fields(struct json_object *obj, const char *path, struct tdx_release *rel,
				struct tdx_diag *diag)
{
	for (size_t i = 0; i < ELEMENTSOF(release_fields); i++) {
		const struct release_field *f = &release_fields[i];
		char field[FIELD_PATH_LEN];
		struct json_object *v;
		int r;

		r = get_member(obj, f->key, f->required, path, &v, diag);
		if (r < 0)
			return r;
		if (!v)
			continue;
		snprintf(field, sizeof(field), "%s.%s", path, f->key);
		r = f->parse(v, field, rel, diag);
		if (r < 0)
			return r;
	}
	return 0;
}

int tdx_mapping_parse_release(struct json_object *obj, size_t index, struct tdx_release *ret,
			      struct tdx_diag *diag)
{
	struct tdx_release rel = {};
	char path[RELEASE_PATH_LEN];
	int r;

	snprintf(path, sizeof(path), "tdx_module_releases[%zu]", index);
	r = expect_type(obj, json_type_object, path, diag);
	if (r < 0)
		return r;
	r = parse_release_fields(obj, path, &rel, diag);
	if (r < 0) {
		release_done(&rel);
		return r;
	}
	*ret = rel;
	return 0;
}

static int cmp_parsed(const void *a, const void *b)
{
	const struct tdx_parsed_release *x = a, *y = b;
	int c = tdx_version_compare(&x->r.version, &y->r.version);

	/* Ties by file position, so the later duplicate is the one reported. */
	if (c == 0)
		c = (x->index > y->index) - (x->index < y->index);
	return c;
}

void tdx_parsed_releases_free(struct tdx_parsed_release *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		release_done(&p[i].r);
	free(p);
}

int tdx_mapping_take_releases(struct tdx_parsed_release *p, size_t n, struct tdx_mapping *m,
			      struct tdx_diag *diag)
{
	int r;

	tdx_sort(p, n, sizeof(*p), cmp_parsed);
	for (size_t i = 1; i < n; i++)
		if (tdx_version_equal(&p[i - 1].r.version, &p[i].r.version)) {
			char vs[TDX_VERSION_STRING_MAX];

			r = tdx_diag_set(diag, -EINVAL,
					 "tdx_module_releases[%zu].version: \"%s\" duplicates "
					 "tdx_module_releases[%zu]",
					 p[i].index, tdx_version_format(&p[i].r.version, vs),
					 p[i - 1].index);
			tdx_parsed_releases_free(p, n);
			return r;
		}
	m->releases = calloc(n ? n : 1, sizeof(*m->releases));
	if (!m->releases) {
		tdx_parsed_releases_free(p, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		m->releases[i] = p[i].r;
	m->n_releases = n;
	free(p);
	return 0;
}

static int parse_releases(struct json_object *arr, struct tdx_mapping *m, struct tdx_diag *diag)
{
	size_t n = json_object_array_length(arr), done = 0;
	struct tdx_parsed_release *p;
	int r = 0;

	p = calloc(n ? n : 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (; done < n && r >= 0; done++) {
		p[done].index = done;
		r = tdx_mapping_parse_release(json_object_array_get_idx(arr, done), done,
					      &p[done].r, diag);
	}
	if (r < 0) {
		tdx_parsed_releases_free(p, done);
		return r;
	}
	return tdx_mapping_take_releases(p, n, m, diag);
}

int tdx_mapping_parse_header(struct json_object *hdr, struct tdx_mapping *m, struct tdx_diag *diag)
{
	struct json_object *ver;
	int r;

	r = expect_type(hdr, json_type_object, "Header", diag);
	if (r < 0)
		return r;
	r = get_member(hdr, "Version", false, "Header", &ver, diag);
	if (r < 0 || !ver)
		return r;
	r = expect_type(ver, json_type_string, "Header.Version", diag);
	if (r < 0)
		return r;
	m->header_version = strdup(json_object_get_string(ver));
	return m->header_version ? 0 : -ENOMEM;
}

static int parse_header(struct json_object *root, struct tdx_mapping *m, struct tdx_diag *diag)
{
	struct json_object *hdr;
	int r;

	r = get_member(root, "Header", false, NULL, &hdr, diag);
	if (r < 0 || !hdr)
		return r;
	return tdx_mapping_parse_header(hdr, m, diag);
}

static int tokenize(const char *text, size_t size, struct json_object **ret, struct tdx_diag *diag)
{
	_cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
	struct json_object *root;
	enum json_tokener_error err;
	const char *nul = memchr(text, '\0', size);
	size_t end;

	/* json-c stops at a NUL byte; data behind it would go unseen. */
	if (nul)
		return tdx_diag_set(diag, -EBADMSG, "NUL byte at offset %zu", (size_t)(nul - text));
	if (size > INT32_MAX)
		return tdx_diag_set(diag, -EFBIG, "JSON text is %zu bytes, too large", size);
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)size);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (err == json_tokener_continue)
		return tdx_diag_set(diag, -EBADMSG, "JSON ends early at byte %zu (truncated?)",
				    size);
	if (err != json_tokener_success)
		return tdx_diag_set(diag, -EBADMSG, "JSON syntax error at byte %zu: %s", end,
				    json_tokener_error_desc(err));
	for (; end < size; end++)
		if (!strchr(" \t\r\n", text[end])) {
			json_object_put(root);
			return tdx_diag_set(diag, -EBADMSG, "trailing data at byte %zu", end);
		}
	*ret = root;
	return 0;
}

int tdx_mapping_parse_tree(const char *text, size_t size, struct tdx_mapping **ret,
			   struct tdx_diag *diag)
{
	_cleanup_(json_object_putp) struct json_object *root = NULL;
	_cleanup_(tdx_mapping_freep) struct tdx_mapping *m = NULL;
	struct json_object *releases;
	int r;

	r = tokenize(text, size, &root, diag);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return tdx_diag_set(diag, -EINVAL, "top level: expected an object, got %s",
				    root ? type_name(root) : "null");
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = parse_header(root, m, diag);
	if (r < 0)
		return r;
	r = get_member(root, "tdx_module_releases", true, NULL, &releases, diag);
	if (r < 0)
		return r;
	r = expect_type(releases, json_type_array, "tdx_module_releases", diag);
	if (r < 0)
		return r;
	r = parse_releases(releases, m, diag);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

int tdx_mapping_parse(const char *text, size_t size, struct tdx_mapping **ret,
		      struct tdx_diag *diag)
{
	int r = tdx_mapping_parse_fast(text, size, ret);

	/* Anything the fast path does not take, the tree parses, and says what is wrong. */
	if (r >= 0 || r == -ENOMEM)
		return r;
	return tdx_mapping_parse_tree(text, size, ret, diag);
}

int tdx_mapping_load(const char *path, struct tdx_mapping **ret, struct tdx_diag *diag)
{
	_cleanup_free_ uint8_t *text = NULL;
	size_t size;
	int r;

	r = tdx_file_read_all(path, TDX_MAPPING_MAX_SIZE, &text, &size, diag);
	if (r < 0)
		return r;
	return tdx_mapping_parse((const char *)text, size, ret, diag);
}

static int cmp_release_version(const void *key, const void *elem)
{
	const struct tdx_release *r = elem;

	return tdx_version_compare(key, &r->version);
}

const struct tdx_release *tdx_mapping_find(const struct tdx_mapping *m, const struct tdx_version *v)
{
	if (!m || m->n_releases == 0)
		return NULL;
	return bsearch(v, m->releases, m->n_releases, sizeof(*m->releases), cmp_release_version);
}

bool tdx_release_seamldr_ok(const struct tdx_release *r, const struct tdx_version *seamldr)
{
	for (size_t i = 0; i < r->n_min_seamldr; i++)
		if (tdx_version_same_series(&r->min_seamldr[i], seamldr) &&
		    r->min_seamldr[i].update <= seamldr->update)
			return true;
	return false;
}

bool tdx_release_strict_lists(const struct tdx_release *r, const struct tdx_version *v)
{
	for (size_t i = 0; i < r->n_strict_compat; i++)
		if (tdx_version_equal(&r->strict_compat[i], v))
			return true;
	return false;
}
