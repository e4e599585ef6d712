// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Bus load generator for bench-bus.sh and bench-view-flood.sh: N client
 * threads, each on its own system-bus connection, call one method back to
 * back; prints calls/s and latency percentiles.
 *   bench-bus-clients METHOD CLIENTS TOTAL-CALLS [SECONDS]
 * METHOD: getall = Properties.GetAll(org.tdxctl.tdx1.Manager) (served from
 * tdxd's cache); ping = org.freedesktop.DBus.Peer.Ping on tdxd, the cheapest
 * call the daemon can answer, as the baseline on the same bus; status and
 * list = the view methods GetStatus and GetList; report-status and
 * report-list = Report(status|list) of tdxd before the views (the "before"
 * of bench-view-flood.sh). With SECONDS each client calls until that much
 * time has passed (TOTAL-CALLS per client at most). A list call reads the
 * whole document, from the message ("s") or from the memfd ("h") that tdxd
 * sends since issue 8, so both kinds of tdxd are timed for the same work.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "bus-names.h"

enum method {
	M_GETALL,
	M_PING,
	M_STATUS,
	M_LIST,
	M_REPORT_STATUS,
	M_REPORT_LIST,
};
static const char *const method_names[] = {"getall", "ping",	      "status",
					   "list",   "report-status", "report-list"};

struct client {
	pthread_t thread;
	enum method method;
	unsigned calls;
	unsigned done;
	uint64_t deadline_ns; /* 0: none */
	uint64_t *lat_ns;
	int err;
	unsigned sum; /* of the list documents' bytes */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int call(sd_bus *bus, enum method m, sd_bus_error *e, sd_bus_message **reply)
{
	/* Up to 64 s: a paced reply is late, not lost. */
	const uint64_t timeout = 64ull * 1000000ull;
	sd_bus_message *msg = NULL;
	int r;

	switch (m) {
	case M_GETALL:
		return sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH,
					  "org.freedesktop.DBus.Properties", "GetAll", e, reply,
					  "s", TDX_BUS_IFACE);
	case M_PING:
		return sd_bus_call_method(bus, TDX_BUS_NAME, TDX_BUS_PATH,
					  "org.freedesktop.DBus.Peer", "Ping", e, reply, NULL);
	case M_STATUS:
		r = sd_bus_message_new_method_call(bus, &msg, TDX_BUS_NAME, TDX_BUS_PATH,
						   TDX_BUS_IFACE, "GetStatus");
		break;
	case M_LIST:
		r = sd_bus_message_new_method_call(bus, &msg, TDX_BUS_NAME, TDX_BUS_PATH,
						   TDX_BUS_IFACE, "GetList");
		if (r >= 0)
			r = sd_bus_message_append(msg, "a{sv}", 0);
		break;
	default:
		r = sd_bus_message_new_method_call(bus, &msg, TDX_BUS_NAME, TDX_BUS_PATH,
						   TDX_BUS_IFACE, "Report");
		if (r >= 0)
			r = sd_bus_message_append(msg, "ssa{sv}",
						  m == M_REPORT_STATUS ? "status" : "list", "", 0);
		break;
	}
	if (r >= 0)
		r = sd_bus_call(bus, msg, timeout, e, reply);
	sd_bus_message_unref(msg);
	return r;
}

/* Touches every byte of a list reply's document; the sum keeps the compiler from skipping it. */
static int consume_document(sd_bus_message *reply, unsigned *sum)
{
	const unsigned char *p;
	struct stat st;
	const char *text;
	int fd, r;

	if (sd_bus_message_has_signature(reply, "s")) {
		r = sd_bus_message_read(reply, "s", &text);
		for (p = (const unsigned char *)text; r >= 0 && *p; p++)
			*sum += *p;
		return r;
	}
	r = sd_bus_message_read(reply, "h", &fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (off_t i = 0; i < st.st_size; i++)
		*sum += p[i];
	munmap((void *)p, (size_t)st.st_size);
	return 0;
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

		if (c->deadline_ns && t0 >= c->deadline_ns)
			break;
		r = call(bus, c->method, &e, &reply);
		if (r >= 0 && c->method == M_LIST)
			r = consume_document(reply, &c->sum);
		c->lat_ns[i] = now_ns() - t0;
		c->done++;
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
	unsigned n, total, per, seconds = 0;
	int method = -1;
	struct client *cs;
	uint64_t *all, t0, t1;
	size_t k = 0;

	for (size_t i = 0; argc >= 2 && i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (strcmp(argv[1], method_names[i]) == 0)
			method = (int)i;
	if ((argc != 4 && argc != 5) || method < 0) {
		fprintf(stderr, "usage: bench-bus-clients "
				"getall|ping|status|list|report-status|report-list CLIENTS "
				"TOTAL-CALLS [SECONDS]\n");
		return 2;
	}
	n = (unsigned)atoi(argv[2]);
	total = (unsigned)atoi(argv[3]);
	if (argc == 5)
		seconds = (unsigned)atoi(argv[4]);
	if (n == 0 || total < n)
		return 2;
	per = total / n;
	cs = calloc(n, sizeof(*cs));
	all = calloc((size_t)n * per, sizeof(*all));
	if (!cs || !all)
		return 1;
	t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		cs[i].method = (enum method)method;
		cs[i].deadline_ns = seconds ? t0 + (uint64_t)seconds * 1000000000ull : 0;
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
	/* Each client's calls, packed: with SECONDS some made fewer than per. */
	for (unsigned i = 0; i < n; i++) {
		memmove(all + k, cs[i].lat_ns, cs[i].done * sizeof(*all));
		k += cs[i].done;
	}
	if (k == 0) {
		printf("%-13s clients=%-3u calls=0\n", argv[1], n);
		return 0;
	}
	qsort(all, k, sizeof(*all), cmp_u64);
	printf("%-13s clients=%-3u calls=%-6zu %8.0f calls/s  p50 %7.1f us  p99 %7.1f us  max "
	       "%7.1f "
	       "us\n",
	       argv[1], n, k, (double)k * 1e9 / (double)(t1 - t0), all[k / 2] / 1e3,
	       all[k * 99 / 100] / 1e3, all[k - 1] / 1e3);
	free(all);
	free(cs);
	return 0;
}
