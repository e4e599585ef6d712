// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The streamed list document (tdx_view_list_write) against the json-c one
 * (tdx_view_list, serialised as tdxctl and tdxd do): the same bytes, pretty
 * and compact, for hostile strings, a real store on disk and 10,000 entries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/json-writer.h>
#include <tdx/json.h>
#include "list-twin.h"
#include "synth.h"

static const unsigned flag_sets[] = {0, TDX_JSON_WRITE_PRETTY};

/* Both texts, equal, valid UTF-8 and JSON that json-c reads back. */
static void assert_twins(const struct tdx_view_input *in)
{
	for (size_t i = 0; i < ELEMENTSOF(flag_sets); i++) {
		_cleanup_free_ char *tree = NULL, *stream = NULL, *copy = NULL;
		json_object *parsed;

		assert_int_equal(list_twin_texts(in, flag_sets[i], &tree, &stream), 0);
		assert_string_equal(stream, tree);
		copy = strdup(stream);
		assert_non_null(copy);
		assert_string_equal(tdx_utf8_sanitize(copy), stream);
		parsed = json_tokener_parse(stream);
		assert_non_null(parsed);
		json_object_put(parsed);
	}
}

/* xorshift64: the same 10,000 entries every run. */
static void prng_fill(uint8_t *buf, size_t size, uint64_t seed)
{
	for (size_t i = 0; i < size; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		buf[i] = (uint8_t)seed;
	}
}

static void test_many_entries(void **state)
{
	const size_t size = 4u << 20;
	_cleanup_free_ uint8_t *bytes = malloc(size);
	_cleanup_(tdx_store_freep) struct tdx_store *s = NULL;
	struct tdx_view_input in;

	assert_non_null(bytes);
	prng_fill(bytes, size, 0x7d1c0ffee);
	s = list_twin_store(bytes, size, 10000);
	assert_non_null(s);
	assert_int_equal(s->n_entries, 10000);
	/* running, and lost with every input unknown and every option set */
	for (uint8_t flags = 1; flags < 32; flags += 29) {
		list_twin_input(s, &flags, 1, &in);
		assert_twins(&in);
	}
}

/* Every byte value in the strings, one at a time, with its neighbours. */
static void test_hostile_strings(void **state)
{
	static const char *const samples[] = {
		"plain/path with spaces",
		"\"quoted\" and \\back\\slash",
		"tab\there\nnew\rline",
		"\b\f\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"\xc3\x28 \xa0\xa1 \xe2\x28\xa1 \xf0\x28\x8c\xbc \xff\xfe",
		"\xed\xa0\x80 surrogate",
		"\xc0\xaf overlong",
		"\xf4\x90\x80\x80 beyond",
		"trailing lead \xe2\x82",
		"lead before quote \xc3\"",
		"lead before escape \xe2\n",
	};
	_cleanup_(tdx_store_freep) struct tdx_store *s = NULL;
	struct tdx_view_input in;
	uint8_t flags = 1;

	s = list_twin_store(NULL, 0, 0);
	assert_non_null(s);
	s->entries = reallocarray(s->entries, ELEMENTSOF(samples) + 256, sizeof(*s->entries));
	assert_non_null(s->entries);
	for (size_t i = 0; i < ELEMENTSOF(samples) + 256; i++) {
		struct tdx_store_entry *e = &s->entries[s->n_entries++];
		char one[4] = {'<', (char)(i - ELEMENTSOF(samples)), '>', '\0'};

		*e = (struct tdx_store_entry){.version = {1, 5, (uint16_t)i}};
		e->blob_path = strdup(i < ELEMENTSOF(samples) ? samples[i] : one);
		assert_non_null(e->blob_path);
		/* errors carry the same bytes */
		e->sig_state = i % 2 ? TDX_SIG_ERROR : TDX_SIG_OK;
		e->sig_error = i % 2 ? strdup(e->blob_path) : NULL;
		assert_true(e->sig_error || i % 2 == 0);
	}
	free(s->root);
	s->root = strdup(samples[5]);
	assert_non_null(s->root);
	list_twin_input(s, &flags, 1, &in);
	assert_twins(&in);
}

/* A store on disk, scanned: the route tdxctl --direct takes, with a stray file. */
static void test_scanned_store(void **state)
{
	struct synth_module_spec specs[] = {
		{.version = {1, 5, 6}},
		{.version = {1, 5, 8}, .debug = true},
		{.version = {1, 5, 10}, .cpuids = {SYNTH_CPU_EMR}},
	};
	char root[] = "/tmp/tdx-list-XXXXXX";
	_cleanup_(tdx_store_freep) struct tdx_store *s = NULL;
	_cleanup_free_ char *stray = NULL;
	struct tdx_diag diag = {};
	struct tdx_view_input in;
	uint8_t flags = 1;
	FILE *f;

	assert_non_null(mkdtemp(root));
	assert_int_equal(synth_store_write(root, NULL, specs, ELEMENTSOF(specs),
					   TDX_IMAGE_FORMAT_V2, SYNTH_STORE_JOINED),
			 0);
	assert_true(asprintf(&stray, "%s/joined_files/1.5/st\"ray\x01\xff.blob", root) > 0);
	f = fopen(stray, "we");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(tdx_store_scan(root, &s, &diag), 0);
	assert_int_equal(s->n_problems, 1);
	list_twin_input(s, &flags, 1, &in);
	in.policy.trusted_keys = NULL;
	assert_twins(&in);
	/* an entry keeps the table slots in use, not the sigstruct's 255 (1 KB) */
	assert_int_equal(s->entries[2].sig.cpuid_count, 1);
	assert_int_equal(s->entries[2].sig.cpuid_table[0], SYNTH_CPU_EMR);
	assert_true(sizeof(struct tdx_store_entry) < 512);
	assert_int_equal(synth_remove_tree(root), 0);
}

struct each_check {
	json_object *doc; /* tdx_view_list's */
	size_t i;
};

static int check_candidate(json_object *cand, void *userdata)
{
	struct each_check *ec = userdata;
	json_object *cands = NULL;

	assert_true(json_object_object_get_ex(ec->doc, "candidates", &cands));
	assert_true(json_object_equal(cand, json_object_array_get_idx(cands, ec->i++)));
	return 0;
}

/* The text's parts: each candidate as in the document, then the rest without them. */
static void test_each(void **state)
{
	const size_t size = 1u << 16;
	_cleanup_free_ uint8_t *bytes = malloc(size);
	_cleanup_(tdx_store_freep) struct tdx_store *s = NULL;
	_cleanup_(json_object_putp) json_object *doc = NULL, *rest = NULL;
	struct each_check ec = {};
	json_object *cands = NULL;
	struct tdx_view_input in;
	uint8_t flags = 1;
	size_t n = 0;

	assert_non_null(bytes);
	prng_fill(bytes, size, 42);
	s = list_twin_store(bytes, size, 300);
	assert_non_null(s);
	list_twin_input(s, &flags, 1, &in);
	assert_int_equal(tdx_view_list(&in, &doc), 0);
	ec.doc = doc;
	assert_int_equal(tdx_view_list_each(&in, check_candidate, &ec, &rest, &n), 0);
	assert_int_equal(n, s->n_entries);
	assert_int_equal(ec.i, n);
	assert_true(json_object_object_get_ex(rest, "candidates", &cands));
	assert_int_equal(json_object_array_length(cands), 0);
	json_object_object_del(doc, "candidates");
	json_object_object_del(rest, "candidates");
	assert_true(json_object_equal(doc, rest));
}

static void test_no_store(void **state)
{
	struct tdx_view_input in = {};
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(tdx_view_list_write(&in, f, TDX_JSON_WRITE_PRETTY), -ENOENT);
	fclose(f);
	assert_int_equal(size, 0);
	free(buf);
}

/* A full disk is an error, not a short document that looks complete. */
static void test_write_error(void **state)
{
	_cleanup_(tdx_store_freep) struct tdx_store *s = list_twin_store(NULL, 0, 0);
	struct tdx_view_input in;
	uint8_t flags = 1;
	FILE *f = fopen("/dev/full", "we");

	assert_non_null(s);
	assert_non_null(f);
	list_twin_input(s, &flags, 1, &in);
	assert_int_equal(tdx_view_list_write(&in, f, TDX_JSON_WRITE_PRETTY), -EIO);
	fclose(f);
}

/* The writer's own rules: nesting that does not balance is the caller's bug, said so. */
static void test_writer_balance(void **state)
{
	struct tdx_json_writer w;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	tdx_json_writer_init(&w, f, 0);
	tdx_json_write_object_begin(&w, NULL);
	tdx_json_write_int(&w, "n", -42);
	tdx_json_write_bool(&w, "b", false);
	assert_int_equal(tdx_json_writer_finish(&w), -EINVAL);
	tdx_json_write_object_end(&w);
	assert_int_equal(tdx_json_writer_finish(&w), 0);
	tdx_json_write_array_end(&w);
	assert_int_equal(tdx_json_writer_finish(&w), -EINVAL);
	fclose(f);
	assert_string_equal(buf, "{\"n\":-42,\"b\":false}");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_strings), cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_scanned_store),	cmocka_unit_test(test_each),
		cmocka_unit_test(test_no_store),	cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_writer_balance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
