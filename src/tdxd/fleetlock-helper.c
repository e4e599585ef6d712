// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxd-fleetlock: one FleetLock request, for tdxd to run in a transient
 * unit that may reach the network while tdxd itself keeps IPAddressDeny=any
 * (tdxd(8) FLEETLOCK). Not a user command.
 *   tdxd-fleetlock pre_reboot|steady_state BASE_URL GROUP ID TIMEOUT_MS
 * Exit 0: HTTP 200. Exit 1: refused or unreachable; stdout is one line,
 * "<kind> <message>", the kind being the metrics label. Exit 2: bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/fleetlock.h>
#include <tdx/macro.h>

static int parse_api(const char *s, enum tdx_fleetlock_api *ret)
{
	for (int a = 0; a < TDX_FLEETLOCK_API_MAX; a++)
		if (strcmp(s, tdx_fleetlock_api_to_string((enum tdx_fleetlock_api)a)) == 0) {
			*ret = (enum tdx_fleetlock_api)a;
			return 0;
		}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	char kind[TDX_FLEET_KIND_MAX] = "", *end = NULL;
	struct tdx_diag diag = {};
	enum tdx_fleetlock_api api;
	unsigned long timeout_ms = 0;

	if (argc == 6) {
		errno = 0;
		timeout_ms = strtoul(argv[5], &end, 10);
	}
	if (argc != 6 || parse_api(argv[1], &api) < 0 || errno || !end || *end || timeout_ms == 0 ||
	    timeout_ms > 3600000) {
		fprintf(stderr, "usage: %s pre_reboot|steady_state BASE_URL GROUP ID TIMEOUT_MS\n",
			argv[0]);
		return 2;
	}
	struct tdx_fleetlock c = {
		.base_url = argv[2],
		.group = argv[3],
		.id = argv[4],
		.timeout_usec = (uint64_t)timeout_ms * USEC_PER_MSEC,
	};
	if (tdx_fleetlock_request(&c, api, kind, &diag) >= 0)
		return 0;
	printf("%s %s\n", kind[0] ? kind : "transport", diag.msg);
	return 1;
}
