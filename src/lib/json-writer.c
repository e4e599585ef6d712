// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The streaming JSON writer (json-writer.h). The layout copies json-c's
 * serialiser (json_object.c, 0.16) so that a streamed document and a built
 * one are the same bytes:
 *   - a container opens with its bracket, and a newline when pretty;
 *   - each value after the first is preceded by ",", and a newline when pretty;
 *   - when pretty, each value is indented two spaces per open container and a
 *     member is "key":value (no space after the colon);
 *   - a container closes with a newline (only when it had values) and the
 *     indent of its own level, when pretty, then its bracket;
 *   - strings escape \b \n \r \t \f " \ as two characters and the other bytes
 *     below 0x20 as \u00xx (lower-case hex); '/' and 0x7f stay as they are.
 * Strings are made valid UTF-8 on the way out, as tdx_utf8_sanitize() does to
 * a whole document: every escape is ASCII, so sanitising per string before
 * escaping gives the same bytes as sanitising the document after.
 * The _unlocked stdio calls: a document is written by one thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <tdx/diag.h>
#include <tdx/json-writer.h>

void tdx_json_writer_init(struct tdx_json_writer *w, FILE *f, unsigned flags)
{
	*w = (struct tdx_json_writer){.f = f, .pretty = flags & TDX_JSON_WRITE_PRETTY};
}

static void put_bytes(struct tdx_json_writer *w, const char *s, size_t n)
{
	if (n > 0)
		fwrite_unlocked(s, 1, n, w->f);
}

static void put_text(struct tdx_json_writer *w, const char *s)
{
	fputs_unlocked(s, w->f);
}

static void put_indent(struct tdx_json_writer *w, unsigned level)
{
	static const char spaces[] =
		"                                                                ";

	for (unsigned n = 2 * level; n > 0;) {
		unsigned chunk = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		put_bytes(w, spaces, chunk);
		n -= chunk;
	}
}

static const char *short_escape(unsigned char c)
{
	switch (c) {
	case '\b':
		return "\\b";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '\f':
		return "\\f";
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	default:
		return NULL;
	}
}

static void put_escape(struct tdx_json_writer *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	const char *e = short_escape(c);
	char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};

	if (e)
		put_text(w, e);
	else
		put_bytes(w, u, sizeof(u));
}

/* The quoted string: runs of bytes that need nothing are written in one go. */
static void put_quoted(struct tdx_json_writer *w, const char *s)
{
	const char *run = s, *p = s;

	putc_unlocked('"', w->f);
	while (*p) {
		unsigned char c = (unsigned char)*p;
		size_t n;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			p++;
			continue;
		}
		n = c < 0x80 ? 0 : tdx_utf8_char_length(p);
		if (n > 0) {
			p += n;
			continue;
		}
		put_bytes(w, run, (size_t)(p - run));
		if (c < 0x80)
			put_escape(w, c);
		else
			putc_unlocked('?', w->f);
		run = ++p;
	}
	put_bytes(w, run, (size_t)(p - run));
	putc_unlocked('"', w->f);
}

/* What comes before any value: the separator, the indent and the key. */
static void begin_value(struct tdx_json_writer *w, const char *key)
{
	uint32_t bit;

	if (w->depth == 0)
		return;
	bit = 1u << (w->depth - 1);
	if (w->has_items & bit)
		put_text(w, w->pretty ? ",\n" : ",");
	w->has_items |= bit;
	if (w->pretty)
		put_indent(w, w->depth);
	if (key) {
		put_quoted(w, key);
		putc_unlocked(':', w->f);
	}
}

static void open_container(struct tdx_json_writer *w, const char *key, char bracket)
{
	begin_value(w, key);
	putc_unlocked(bracket, w->f);
	if (w->pretty)
		putc_unlocked('\n', w->f);
	if (w->depth >= TDX_JSON_WRITER_DEPTH_MAX) {
		w->overflow = true;
		return;
	}
	w->depth++;
	w->has_items &= ~(1u << (w->depth - 1));
}

static void close_container(struct tdx_json_writer *w, char bracket)
{
	bool had_items;

	if (w->depth == 0) {
		w->overflow = true;
		return;
	}
	had_items = w->has_items & (1u << (w->depth - 1));
	w->depth--;
	if (w->pretty) {
		if (had_items)
			putc_unlocked('\n', w->f);
		put_indent(w, w->depth);
	}
	putc_unlocked(bracket, w->f);
}

void tdx_json_write_object_begin(struct tdx_json_writer *w, const char *key)
{
	open_container(w, key, '{');
}

void tdx_json_write_object_end(struct tdx_json_writer *w)
{
	close_container(w, '}');
}

void tdx_json_write_array_begin(struct tdx_json_writer *w, const char *key)
{
	open_container(w, key, '[');
}

void tdx_json_write_array_end(struct tdx_json_writer *w)
{
	close_container(w, ']');
}

void tdx_json_write_string(struct tdx_json_writer *w, const char *key, const char *s)
{
	begin_value(w, key);
	if (s)
		put_quoted(w, s);
	else
		put_text(w, "null");
}

void tdx_json_write_null(struct tdx_json_writer *w, const char *key)
{
	tdx_json_write_string(w, key, NULL);
}

void tdx_json_write_bool(struct tdx_json_writer *w, const char *key, bool b)
{
	begin_value(w, key);
	put_text(w, b ? "true" : "false");
}

void tdx_json_write_int(struct tdx_json_writer *w, const char *key, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	begin_value(w, key);
	put_bytes(w, buf, (size_t)n);
}

int tdx_json_writer_finish(struct tdx_json_writer *w)
{
	if (fflush(w->f) != 0 || ferror(w->f))
		return -EIO;
	return w->overflow || w->depth != 0 ? -EINVAL : 0;
}
