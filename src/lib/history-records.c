// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * History records in memory, without json-c: tdxctl-bus.so builds a history
 * from tdxd's reply with these alone, so it does not map json-c (issue 11).
 * Parsing and saving the file is history.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/history.h>

int tdx_history_new(struct tdx_history **ret)
{
	struct tdx_history *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	*ret = h;
	return 0;
}

struct tdx_history *tdx_history_free(struct tdx_history *h)
{
	if (!h)
		return NULL;
	free(h->records);
	free(h);
	return NULL;
}

void tdx_history_set_field(char *field, size_t size, const char *s)
{
	size_t i;

	if (!s)
		s = "";
	for (i = 0; i + 1 < size && s[i]; i++)
		field[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	field[i] = '\0';
}

int tdx_history_append(struct tdx_history *h, const struct tdx_history_record *rec, size_t max)
{
	struct tdx_history_record *p;

	if (max == 0)
		return -EINVAL;
	if (h->n_records >= max) {
		/* Drop the oldest so that one slot is free. */
		size_t drop = h->n_records - max + 1;

		memmove(h->records, h->records + drop, (h->n_records - drop) * sizeof(*h->records));
		h->n_records -= drop;
	}
	p = realloc(h->records, (h->n_records + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	h->records = p;
	h->records[h->n_records++] = *rec;
	return 0;
}
