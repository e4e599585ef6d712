// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * History file parser: any input parses or fails cleanly, and whatever
 * parses survives a round trip through the writer unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/history.h>
#include <tdx/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(tdx_history_freep) struct tdx_history *h = NULL, *back = NULL;
	_cleanup_(json_object_putp) json_object *o = NULL;
	struct tdx_diag diag = {};
	const char *text;

	if (tdx_history_parse((const char *)data, size, &h, &diag) < 0)
		return 0;
	o = tdx_history_to_json(h);
	if (!o)
		abort();
	text = json_object_to_json_string(o);
	if (tdx_history_parse(text, strlen(text), &back, &diag) < 0)
		abort();
	if (back->n_records != h->n_records ||
	    (h->n_records && memcmp(back->records, h->records, h->n_records * sizeof(*h->records))))
		abort();
	return 0;
}
