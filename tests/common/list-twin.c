// SPDX-License-Identifier: LGPL-2.1-or-later
/* The list document written both ways (list-twin.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/json-writer.h>
#include <tdx/json.h>
#include "list-twin.h"

struct bytes {
	const uint8_t *p;
	size_t n;
};

/* The next byte; 0 once the input is used up, so any input builds something. */
static uint8_t take(struct bytes *b)
{
	if (b->n == 0)
		return 0;
	b->n--;
	return *b->p++;
}

static uint32_t take32(struct bytes *b)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | take(b);
	return v;
}

/* A string of up to 63 bytes, any value but NUL (C strings end there). */
static char *take_str(struct bytes *b)
{
	size_t len = take(b) & 0x3f;
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		s[i] = (char)(take(b) ?: '\x01');
	s[len] = '\0';
	return s;
}

static struct tdx_version take_version(struct bytes *b)
{
	return (struct tdx_version){take(b) & 3, take(b) & 7, take(b)};
}

/* The entry owns the table (tdx_store_free frees it), as a scanned store's do. */
static int take_sig(struct bytes *b, struct tdx_sigstruct_summary *s)
{
	uint8_t flags = take(b);
	uint32_t *table;

	s->debug = flags & 1;
	/* BCD dates and other values both */
	s->date = flags & 2 ? take32(b) : 0x20250219;
	s->seam_svn = (uint16_t)take32(b);
	for (size_t i = 0; i < TDX_SEAMHASH_SIZE; i++)
		s->seamhash[i] = take(b);
	/* up to the whole table now and then */
	s->cpuid_count = flags & 4 ? take(b) : take(b) & 3;
	table = calloc(s->cpuid_count + 1, sizeof(*table));
	if (!table)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->cpuid_count; i++)
		table[i] = flags & 8 ? take32(b) : 0x806f0u | (take(b) & 0xf);
	s->cpuid_table = table;
	/* no UNCHECKED: the policy would read the image to run the RSA step */
	s->signature.status = (enum tdx_signature_status)(take(b) % 3);
	memset(s->signature.key_sha256, flags & 16 ? 0x5a : take(b), TDX_SHA256_SIZE);
	return 0;
}

static int take_entry(struct bytes *b, const struct tdx_mapping *m, struct tdx_store_entry *e)
{
	uint8_t kind = take(b);

	e->version = take_version(b);
	e->release = kind & 1 && m->n_releases ? &m->releases[take(b) % m->n_releases] : NULL;
	if (kind & 2 && !(e->blob_path = take_str(b)))
		return -ENOMEM;
	if ((!e->blob_path || kind & 4) && !(e->bin_path = take_str(b)))
		return -ENOMEM;
	e->blob_format = kind & 8 ? TDX_IMAGE_FORMAT_V1 : kind & 16 ? TDX_IMAGE_FORMAT_V2 : 0;
	if (kind & 32) {
		e->sig_state = TDX_SIG_ERROR;
		e->sig_error = take_str(b);
		return e->sig_error ? 0 : -ENOMEM;
	}
	e->sig_state = TDX_SIG_OK;
	return take_sig(b, &e->sig);
}

static struct tdx_mapping *take_mapping(struct bytes *b)
{
	struct tdx_mapping *m = calloc(1, sizeof(*m));
	size_t n = take(b) & 7;

	if (!m || !(m->releases = calloc(n + 1, sizeof(*m->releases))))
		return tdx_mapping_free(m);
	for (size_t i = 0; i < n; i++)
		m->releases[i] = (struct tdx_release){
			.version = take_version(b),
			.min_td_preserving = take_version(b),
		};
	m->n_releases = n;
	return m;
}

static int take_problems(struct bytes *b, struct tdx_store *s)
{
	size_t n = take(b) & 3, n_missing = take(b) & 3;

	s->problems = calloc(n + 1, sizeof(*s->problems));
	s->missing_images = calloc(n_missing + 1, sizeof(*s->missing_images));
	if (!s->problems || !s->missing_images)
		return -ENOMEM;
	for (; s->n_problems < n; s->n_problems++) {
		struct tdx_store_problem *p = &s->problems[s->n_problems];

		p->path = take_str(b);
		p->message = take_str(b);
		if (!p->path || !p->message)
			return -ENOMEM;
	}
	for (; s->n_missing_images < n_missing; s->n_missing_images++)
		s->missing_images[s->n_missing_images] = take_version(b);
	return 0;
}

struct tdx_store *list_twin_store(const uint8_t *data, size_t size, size_t max_entries)
{
	_cleanup_(tdx_store_freep) struct tdx_store *s = calloc(1, sizeof(*s));
	struct bytes b = {data, size};
	size_t n = max_entries;

	if (!s || !(s->root = take_str(&b)) || !(s->mapping = take_mapping(&b)) ||
	    take_problems(&b, s) < 0)
		return NULL;
	s->entries = calloc(n ? n : 1, sizeof(*s->entries));
	if (!s->entries)
		return NULL;
	/* entries while the input lasts (all of them for a PRNG stream) */
	for (; s->n_entries < n && b.n > 0; s->n_entries++)
		if (take_entry(&b, s->mapping, &s->entries[s->n_entries]) < 0)
			return NULL;
	return TAKE_PTR(s);
}

void list_twin_input(struct tdx_store *store, const uint8_t *data, size_t size,
		     struct tdx_view_input *ret)
{
	static struct tdx_host host;
	static struct tdx_trusted_keys keys;
	uint8_t flags = size > 0 ? data[0] : 0;

	host = (struct tdx_host){
		.module_state = flags & 1 ? TDX_MODULE_RUNNING : TDX_MODULE_LOST,
		.module_version = {1, flags >> 5, 6},
		.seamldr_err = flags & 2 ? -EACCES : 0,
		.seamldr_version = {1, 5, 0},
	};
	keys.n = 1;
	memset(keys.key_sha256[0], 0x5a, TDX_SHA256_SIZE);
	*ret = (struct tdx_view_input){
		.host = &host,
		.cpu_signature = 0x806f8,
		.cpu_err = flags & 4 ? -ENOENT : 0,
		.store = store,
		.store_path = store->root,
		.policy = {.trusted_keys = &keys,
			   .allow_debug = flags & 8,
			   .reinstall = flags & 16},
	};
}

static int tree_text(const struct tdx_view_input *in, unsigned flags, char **ret)
{
	_cleanup_(json_object_putp) json_object *doc = NULL;
	int c_flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		      (flags & TDX_JSON_WRITE_PRETTY ? JSON_C_TO_STRING_PRETTY : 0);
	const char *text;
	int r;

	r = tdx_view_list(in, &doc);
	if (r < 0)
		return r;
	text = json_object_to_json_string_ext(doc, c_flags);
	if (!text || !(*ret = strdup(text)))
		return -ENOMEM;
	tdx_utf8_sanitize(*ret);
	return 0;
}

static int stream_text(const struct tdx_view_input *in, unsigned flags, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int r;

	if (!f)
		return -ENOMEM;
	r = tdx_view_list_write(in, f, flags);
	if (fclose(f) != 0 && r >= 0)
		r = -EIO;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	return 0;
}

int list_twin_texts(const struct tdx_view_input *in, unsigned flags, char **ret_tree,
		    char **ret_stream)
{
	_cleanup_free_ char *tree = NULL, *stream = NULL;
	int r;

	/* No entry needs a file read (list_twin_store): both evaluate the same entries. */
	r = stream_text(in, flags, &stream);
	if (r >= 0)
		r = tree_text(in, flags, &tree);
	if (r < 0)
		return r;
	*ret_tree = TAKE_PTR(tree);
	*ret_stream = TAKE_PTR(stream);
	return 0;
}
