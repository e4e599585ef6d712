/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * tdxctl's messages on stderr, "tdxctl: <message>". Nothing here feeds a
 * document: a --json refusal carries the error it is given (render.h).
 */
#include <stdarg.h>

#include <tdx/diag.h>

void log_errorv(const char *fmt, va_list ap) _printf_(1, 0);
/* "tdxctl: <message>" on stderr; returns err (a negative errno) for `return log_error(...)`. */
int log_error(int err, const char *fmt, ...) _printf_(2, 3);
/* "<path>: <reason>" from diag (or err), without naming path twice. malloc'ed. */
char *error_at(const char *path, int err, const struct tdx_diag *diag);
/* Prints error_at() as "tdxctl: ..." and returns err. */
int log_error_at(int err, const char *path, const struct tdx_diag *diag);
/* An informational line on stderr (never stdout, so --json output stays clean). */
void log_info(const char *fmt, ...) _printf_(1, 2);
