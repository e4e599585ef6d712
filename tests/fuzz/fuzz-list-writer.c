// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The streamed list document (tdx_view_list_write) on a store drawn from the
 * input (list-twin.c: hostile bytes in every string): it must be the bytes of
 * the json-c path, valid UTF-8, and JSON that json-c parses back.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tdx/json-writer.h>
#include <tdx/json.h>
#include "list-twin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct tdx_view_input *in, unsigned flags)
{
	_cleanup_free_ char *tree = NULL, *stream = NULL, *copy = NULL;
	json_object *parsed;

	if (list_twin_texts(in, flags, &tree, &stream) < 0)
		return; /* out of memory */
	if (strcmp(tree, stream) != 0)
		__builtin_trap();
	copy = strdup(stream);
	if (copy && strcmp(tdx_utf8_sanitize(copy), stream) != 0)
		__builtin_trap();
	parsed = json_tokener_parse(stream);
	if (!parsed)
		__builtin_trap();
	json_object_put(parsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(tdx_store_freep) struct tdx_store *s = NULL;
	struct tdx_view_input in;

	if (size < 1)
		return 0;
	s = list_twin_store(data + 1, size - 1, 64);
	if (!s)
		return 0;
	list_twin_input(s, data, 1, &in);
	check(&in, 0);
	check(&in, TDX_JSON_WRITE_PRETTY);
	return 0;
}
