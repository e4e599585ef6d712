// SPDX-License-Identifier: LGPL-2.1-or-later
/* What both back-ends share (backend.h); built into tdxctl and into tdxctl-bus.so. */
#include <stdarg.h>
#include <stdio.h>

#include "backend.h"

int backend_fail(struct backend *b, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->error, sizeof(b->error), fmt, ap);
	va_end(ap);
	return err;
}

void backend_close(struct backend *b)
{
	if (b->ops && b->ops->close)
		b->ops->close(b);
	b->ops = NULL;
}
