// SPDX-License-Identifier: LGPL-2.1-or-later
/* The FleetLock server's error body parser: any bytes, never a crash or a label outside
 * [a-z0-9_.-]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/fleetlock.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdx_fleetlock_error e;

	if (tdx_fleetlock_parse_error((const char *)data, size, &e) == 0 &&
	    strspn(e.kind, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(e.kind))
		abort();
	return 0;
}
