// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

int tdx_diag_set(struct tdx_diag *diag, int err, const char *fmt, ...)
{
	va_list ap;

	if (!diag)
		return err;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	va_end(ap);
	return err;
}

void tdx_diag_prefix(struct tdx_diag *diag, const char *prefix)
{
	size_t plen, mlen;

	if (!diag || !prefix)
		return;
	/* A message that names the thing already keeps its one "prefix: ". */
	plen = strlen(prefix);
	if (strncmp(diag->msg, prefix, plen) == 0 && strncmp(diag->msg + plen, ": ", 2) == 0)
		return;
	/* Built by hand: the message is cut at TDX_DIAG_MAX on purpose. */
	plen = strnlen(prefix, TDX_DIAG_MAX - 3);
	mlen = strnlen(diag->msg, TDX_DIAG_MAX);
	if (plen + 2 + mlen >= TDX_DIAG_MAX)
		mlen = TDX_DIAG_MAX - 1 - plen - 2;
	memmove(diag->msg + plen + 2, diag->msg, mlen);
	memcpy(diag->msg, prefix, plen);
	memcpy(diag->msg + plen, ": ", 2);
	diag->msg[plen + 2 + mlen] = '\0';
}
