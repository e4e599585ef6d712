// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Bus load generator for bench-bus.sh: N client threads, each on its own
 * system-bus connection, call one method back to back; prints calls/s and
 * latency percentiles.
 *   bench-bus-clients getall|ping CLIENTS TOTAL-CALLS
 * getall = Properties.GetAll(org.tdxctl.tdx1.Manager) on tdxd (served from
 * its cache); ping = org.freedesktop.DBus.Peer.Ping on tdxd, the cheapest
 * call the daemon can answer, as the baseline on the same bus.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "bus-names.h"

struct client {
	pthread_t thread;
	bool getall;
	unsigned calls;
	uint64_t *lat_ns;
	int err;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *client_run(void *p)
{
	struct client *c = p;
	sd_bus *bus = NULL;
	int r;

	r = sd_bus_open_system(&bus);
	for (unsigned i = 0; r >= 0 && i < c->calls; i++) {
		sd_bus_error e = SD_BUS_ERROR_NULL;
		sd_bus_message *reply = NULL;
		uint64_t t0 = now_ns();

		if (c->getall)
			r = sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH,
					       "org.freedesktop.DBus.Properties", "GetAll", &e,
					       &reply, "s", TDX_BUS_IFACE);
		else
			r = sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH,
					       "org.freedesktop.DBus.Peer", "Ping", &e, &reply,
					       NULL);
		c->lat_ns[i] = now_ns() - t0;
		sd_bus_message_unref(reply);
		sd_bus_error_free(&e);
	}
	c->err = r < 0 ? r : 0;
	sd_bus_flush_close_unref(bus);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned n, total, per;
	struct client *cs;
	uint64_t *all, t0, t1;
	size_t k = 0;

	if (argc != 4 || (strcmp(argv[1], "getall") && strcmp(argv[1], "ping"))) {
		fprintf(stderr, "usage: bench-bus-clients getall|ping CLIENTS TOTAL-CALLS\n");
		return 2;
	}
	n = (unsigned)atoi(argv[2]);
	total = (unsigned)atoi(argv[3]);
	if (n == 0 || total < n)
		return 2;
	per = total / n;
	cs = calloc(n, sizeof(*cs));
	all = calloc((size_t)n * per, sizeof(*all));
	if (!cs || !all)
		return 1;
	t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		cs[i].getall = strcmp(argv[1], "getall") == 0;
		cs[i].calls = per;
		cs[i].lat_ns = all + (size_t)i * per;
		if (pthread_create(&cs[i].thread, NULL, client_run, &cs[i]) != 0)
			return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(cs[i].thread, NULL);
		if (cs[i].err < 0) {
			fprintf(stderr, "client %u: %s\n", i, strerror(-cs[i].err));
			return 1;
		}
	}
	t1 = now_ns();
	k = (size_t)n * per;
	qsort(all, k, sizeof(*all), cmp_u64);
	printf("%-6s clients=%-3u calls=%-6zu %8.0f calls/s  p50 %7.1f us  p99 %7.1f us  max %7.1f "
	       "us\n",
	       argv[1], n, k, (double)k * 1e9 / (double)(t1 - t0), all[k / 2] / 1e3,
	       all[k * 99 / 100] / 1e3, all[k - 1] / 1e3);
	free(all);
	free(cs);
	return 0;
}
