/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The library never prints. Functions that can fail for a reason a user must
 * read take an optional struct tdx_diag and fill it with one line naming the
 * thing and what is wrong with it ("sigstruct_nr_pages is 3, at most 1").
 * The caller prefixes the file or attribute and prints it.
 */
#include <stddef.h>
#include <tdx/macro.h>

#define TDX_DIAG_MAX 256

struct tdx_diag {
	char msg[TDX_DIAG_MAX];
};

/* Sets diag->msg when diag is not NULL; returns err unchanged (negative errno). */
int tdx_diag_set(struct tdx_diag *diag, int err, const char *fmt, ...) _printf_(3, 4);
/*
 * Replaces each byte that is not part of valid UTF-8 with '?', in place, so
 * messages and documents stay valid JSON and D-Bus strings. Returns s.
 */
char *tdx_utf8_sanitize(char *s);
/* Bytes of the valid UTF-8 character at s (1..4; 1 for ASCII and NUL), 0 when it is none. */
size_t tdx_utf8_char_length(const char *s);
/*
 * strerror(err)'s words without its message-catalogue lookup (gettext code
 * nothing else runs, paid by every short-lived tdxctl; issue 11). Our
 * programs never call setlocale(), so strerror() answers in English anyway:
 * the text is the same. Unknown numbers get strerror()'s "Unknown error N".
 */
const char *tdx_errno_text(int err);
/* Prepends "prefix: " to an already set message, unless it starts with it already. */
void tdx_diag_prefix(struct tdx_diag *diag, const char *prefix);
