/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tdxctl's messages (log.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void log_errorv(const char *fmt, va_list ap)
{
	fputs("tdxctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int log_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errorv(fmt, ap);
	va_end(ap);
	return err;
}

char *error_at(const char *path, int err, const struct tdx_diag *diag)
{
	const char *why = diag && diag->msg[0] ? diag->msg : strerror(-err);
	char *s;

	/* Library messages often name the file already. */
	if (strncmp(why, path, strlen(path)) == 0)
		return strdup(why);
	return asprintf(&s, "%s: %s", path, why) < 0 ? NULL : s;
}

int log_error_at(int err, const char *path, const struct tdx_diag *diag)
{
	_cleanup_free_ char *msg = error_at(path, err, diag);

	return log_error(err, "%s", msg ? msg : "out of memory");
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
