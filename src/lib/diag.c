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
	char tmp[TDX_DIAG_MAX];

	if (!diag || !prefix)
		return;
	snprintf(tmp, sizeof(tmp), "%s: %s", prefix, diag->msg);
	memcpy(diag->msg, tmp, sizeof(tmp));
}
