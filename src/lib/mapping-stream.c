// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mapping_file.json one release at a time (mapping-internal.h). A json-c
 * tree of the whole file costs a hash table per release: 18 MB and 4,000
 * page faults for 10,000 releases, the largest part of `tdxctl list` on a
 * big store. Here the top-level object and the release array are walked by
 * hand; each member value and each release is parsed by json-c alone, used,
 * and dropped, so the memory of one is reused by the next.
 *
 * Only the plain shape is taken: an object holding "tdx_module_releases"
 * (and "Header") at most once, JSON white space between the tokens, no NUL
 * byte. Anything else (comments, a repeated member, any error at all) is
 * -EAGAIN, and the tree parser decides: errors keep their words and offsets,
 * and the fast path never accepts what the tree would not (fuzz-mapping
 * compares the two). The tokener is three levels shallower than the tree's
 * (object, array, release), so nesting the tree refuses is refused here too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mapping-internal.h"

struct cursor {
	const char *text;
	size_t size, pos;
	struct json_tokener *tok;
};

static void skip_space(struct cursor *c)
{
	while (c->pos < c->size && c->text[c->pos] && strchr(" \t\r\n", c->text[c->pos]))
		c->pos++;
}

/* Whether the next byte after white space is ch; consumed when it is. */
static bool take_char(struct cursor *c, char ch)
{
	skip_space(c);
	if (c->pos >= c->size || c->text[c->pos] != ch)
		return false;
	c->pos++;
	return true;
}

/* One JSON value at the cursor, parsed by json-c (*ret NULL for null). */
static int take_value(struct cursor *c, struct json_object **ret)
{
	struct json_object *o;

	skip_space(c);
	if (c->pos >= c->size)
		return -EAGAIN;
	json_tokener_reset(c->tok);
	o = json_tokener_parse_ex(c->tok, c->text + c->pos, (int)(c->size - c->pos));
	if (json_tokener_get_error(c->tok) != json_tokener_success) {
		json_object_put(o);
		return -EAGAIN;
	}
	c->pos += json_tokener_get_parse_end(c->tok);
	*ret = o;
	return 0;
}

/* -ENOMEM stays, every other failure means "let the tree parser say it". */
static int fast_result(int r)
{
	return r == -ENOMEM ? r : r < 0 ? -EAGAIN : 0;
}

struct releases {
	struct tdx_parsed_release *p;
	size_t n, alloc;
};

static int take_release(struct cursor *c, struct releases *rs)
{
	_cleanup_(json_object_putp) struct json_object *obj = NULL;
	int r;

	r = take_value(c, &obj);
	if (r < 0)
		return r;
	if (rs->n == rs->alloc) {
		size_t want = rs->alloc ? 2 * rs->alloc : 64;
		struct tdx_parsed_release *p = reallocarray(rs->p, want, sizeof(*p));

		if (!p)
			return -ENOMEM;
		rs->p = p;
		rs->alloc = want;
	}
	rs->p[rs->n] = (struct tdx_parsed_release){.index = rs->n};
	r = tdx_mapping_parse_release(obj, rs->n, &rs->p[rs->n].r, NULL);
	if (r < 0)
		return fast_result(r);
	rs->n++;
	return 0;
}

/* The array of "tdx_module_releases", into m. */
static int take_releases(struct cursor *c, struct tdx_mapping *m)
{
	struct releases rs = {};
	int r = 0;

	if (!take_char(c, '['))
		return -EAGAIN;
	if (!take_char(c, ']')) {
		do
			r = take_release(c, &rs);
		while (r >= 0 && take_char(c, ','));
		if (r >= 0 && !take_char(c, ']'))
			r = -EAGAIN;
	}
	if (r >= 0 && !rs.p && !(rs.p = calloc(1, sizeof(*rs.p))))
		r = -ENOMEM;
	if (r < 0) {
		tdx_parsed_releases_free(rs.p, rs.n);
		return r;
	}
	return fast_result(tdx_mapping_take_releases(rs.p, rs.n, m, NULL));
}

struct seen {
	bool header, releases;
};

/* One "key": value of the top-level object. */
static int take_member(struct cursor *c, struct tdx_mapping *m, struct seen *seen)
{
	_cleanup_(json_object_putp) struct json_object *key = NULL, *v = NULL;
	const char *k;
	int r;

	skip_space(c);
	if (c->pos >= c->size || c->text[c->pos] != '"' || take_value(c, &key) < 0 ||
	    !json_object_is_type(key, json_type_string) || !take_char(c, ':'))
		return -EAGAIN;
	k = json_object_get_string(key);
	if (strcmp(k, "tdx_module_releases") == 0) {
		if (seen->releases)
			return -EAGAIN;
		seen->releases = true;
		return take_releases(c, m);
	}
	r = take_value(c, &v);
	if (r < 0 || strcmp(k, "Header") != 0)
		return r; /* a member we do not use */
	if (seen->header || !v)
		return -EAGAIN;
	seen->header = true;
	return fast_result(tdx_mapping_parse_header(v, m, NULL));
}

int tdx_mapping_parse_fast(const char *text, size_t size, struct tdx_mapping **ret)
{
	_cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
	_cleanup_(tdx_mapping_freep) struct tdx_mapping *m = NULL;
	struct cursor c = {text, size, 0, NULL};
	struct seen seen = {};
	int r;

	if (size > INT32_MAX || memchr(text, '\0', size))
		return -EAGAIN;
	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH - 3);
	m = calloc(1, sizeof(*m));
	if (!tok || !m)
		return -ENOMEM;
	c.tok = tok;
	if (!take_char(&c, '{'))
		return -EAGAIN;
	do {
		r = take_member(&c, m, &seen);
		if (r < 0)
			return r;
	} while (take_char(&c, ','));
	if (!take_char(&c, '}') || !seen.releases)
		return -EAGAIN;
	skip_space(&c);
	if (c.pos != c.size)
		return -EAGAIN;
	*ret = TAKE_PTR(m);
	return 0;
}
