/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * A FleetLock client (the protocol of Fedora CoreOS's Zincati with an
 * airlock server): POST <base>/v1/pre-reboot takes a slot, POST
 * <base>/v1/steady-state releases it, each with the header
 * "fleet-lock-protocol: true" and the body
 * {"client_params":{"id":ID,"group":GROUP}}. Only HTTP 200 is success;
 * anything else is a failure, with an optional {"kind","value"} body whose
 * kind is kept (bounded) for metrics.
 */
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/fleet.h>

struct tdx_fleetlock {
	const char *base_url; /* "http://host:port/" ("/" is added when missing) */
	const char *group;
	const char *id;
	uint64_t timeout_usec; /* per request */
};

/* What a failed request's body says; kind is "" when it carries none. */
struct tdx_fleetlock_error {
	char kind[TDX_FLEET_KIND_MAX];
	char value[256];
};

/*
 * Parses a server's error body {"kind":"...","value":"..."}. -EBADMSG when it
 * is not such a JSON object; kind is kept only when it is a short
 * [a-z0-9_.-] token (it becomes a metrics label).
 */
int tdx_fleetlock_parse_error(const char *body, size_t size, struct tdx_fleetlock_error *ret);

/*
 * One request. 0 on HTTP 200. Otherwise -EAGAIN (the server answered with
 * another status: *ret_kind is its kind, or "http_<status>") or -EHOSTUNREACH
 * (no answer: "transport"), with diag saying what happened.
 */
int tdx_fleetlock_request(const struct tdx_fleetlock *c, enum tdx_fleetlock_api api,
			  char ret_kind[static TDX_FLEET_KIND_MAX], struct tdx_diag *diag);
