// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pacing of unprivileged reads (issue 7: a flood of reads must not starve
 * anyone). Answering fast is not enough: a client that loops on the heaviest
 * read keeps tdxd, dbus-daemon and itself busy, and on a small host that
 * alone slows everyone down. So every uid but root gets a token bucket:
 * PACING_RATE_PER_SEC tokens a second, at most PACING_BURST saved, and a
 * reply costs 1 + its bytes through the bus / PACING_BYTES_PER_TOKEN (a memfd
 * document, GetList, costs 1). A call that finds its
 * uid without a token waits in the uid's queue and is answered when the
 * bucket has refilled: the reply is late, not refused, and a looping client
 * costs a few answers a second. Interactive use (a `tdxctl list` now and
 * then) stays within the burst and is never delayed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus-names.h"
#include "tdxd.h"

/* Senders whose uid is known; unique names are never reused on a bus. */
#define SENDERS_MAX 1024u

struct paced_call {
	sd_bus_message *msg;
	pacing_answer_t answer;
	struct paced_call *next;
};

struct bucket {
	uid_t uid;
	double tokens;
	uint64_t refilled_usec;
	struct paced_call *head, *tail;
	unsigned n_waiting;
	struct bucket *next;
};

struct sender_uid {
	char *name;
	uid_t uid;
};

struct pacing {
	struct bucket *buckets;
	struct sender_uid senders[SENDERS_MAX];
	size_t n_senders;
	sd_event_source *timer;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

static void senders_clear(struct pacing *p)
{
	for (size_t i = 0; i < p->n_senders; i++)
		free(p->senders[i].name);
	p->n_senders = 0;
}

/*
 * The sender's effective uid. Asking the bus costs a round trip, so the
 * answer is kept per unique name; a full table starts over.
 */
static int sender_uid(struct pacing *p, sd_bus_message *msg, uid_t *ret)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	const char *name = sd_bus_message_get_sender(msg);
	char *copy;
	int r;

	for (size_t i = 0; name && i < p->n_senders; i++)
		if (strcmp(p->senders[i].name, name) == 0) {
			*ret = p->senders[i].uid;
			return 0;
		}
	r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, ret);
	if (r < 0 || !name)
		return r;
	if (p->n_senders >= SENDERS_MAX)
		senders_clear(p);
	copy = strdup(name);
	if (copy)
		p->senders[p->n_senders++] = (struct sender_uid){.name = copy, .uid = *ret};
	return 0;
}

static struct bucket *bucket_get(struct pacing *p, uid_t uid)
{
	struct bucket *b;

	for (b = p->buckets; b; b = b->next)
		if (b->uid == uid)
			return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	*b = (struct bucket){.uid = uid, .tokens = PACING_BURST, .refilled_usec = now_usec()};
	b->next = p->buckets;
	p->buckets = b;
	return b;
}

static void bucket_refill(struct bucket *b, uint64_t now)
{
	b->tokens += (double)(now - b->refilled_usec) * PACING_RATE_PER_SEC / USEC_PER_SEC;
	if (b->tokens > PACING_BURST)
		b->tokens = PACING_BURST;
	b->refilled_usec = now;
}

static void bucket_charge(struct bucket *b, size_t cost_bytes)
{
	b->tokens -= 1.0 + (double)cost_bytes / PACING_BYTES_PER_TOKEN;
}

/* When the bucket has a token again. */
static uint64_t bucket_ready_usec(const struct bucket *b)
{
	if (b->tokens >= 1.0)
		return b->refilled_usec;
	return b->refilled_usec +
	       (uint64_t)((1.0 - b->tokens) * USEC_PER_SEC / PACING_RATE_PER_SEC) + 1;
}

static int pacing_arm(struct manager *m);

/* Answers what the buckets allow now, then sleeps until the next token. */
static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	uint64_t now = now_usec();

	for (struct bucket *b = m->pacing->buckets; b; b = b->next) {
		bucket_refill(b, now);
		while (b->head && b->tokens >= 1.0) {
			struct paced_call *c = b->head;
			size_t cost = 0;

			b->head = c->next;
			if (!b->head)
				b->tail = NULL;
			b->n_waiting--;
			(void)c->answer(m, c->msg, &cost);
			bucket_charge(b, cost);
			sd_bus_message_unref(c->msg);
			free(c);
		}
	}
	return pacing_arm(m);
}

static int pacing_arm(struct manager *m)
{
	struct pacing *p = m->pacing;
	uint64_t next = UINT64_MAX;
	int r;

	for (struct bucket *b = p->buckets; b; b = b->next)
		if (b->head && bucket_ready_usec(b) < next)
			next = bucket_ready_usec(b);
	if (next == UINT64_MAX)
		return p->timer ? sd_event_source_set_enabled(p->timer, SD_EVENT_OFF) : 0;
	if (!p->timer) {
		r = sd_event_add_time(m->event, &p->timer, CLOCK_MONOTONIC, next, 1000, on_timer,
				      m);
		if (r < 0)
			return r;
	} else {
		r = sd_event_source_set_time(p->timer, next);
		if (r < 0)
			return r;
	}
	return sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT);
}

static int enqueue(struct manager *m, struct bucket *b, sd_bus_message *msg, pacing_answer_t answer,
		   sd_bus_error *error)
{
	struct paced_call *c;

	if (b->n_waiting >= PACING_QUEUE_PER_UID)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_LIMIT,
					 "uid %u has %u reads waiting already; tdxd answers each "
					 "uid at a limited rate",
					 (unsigned)b->uid, b->n_waiting);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->msg = sd_bus_message_ref(msg);
	c->answer = answer;
	if (b->tail)
		b->tail->next = c;
	else
		b->head = c;
	b->tail = c;
	b->n_waiting++;
	return pacing_arm(m) < 0 ? -ENOMEM : 1;
}

int pacing_submit(struct manager *m, sd_bus_message *msg, pacing_answer_t answer,
		  sd_bus_error *error)
{
	struct bucket *b;
	size_t cost = 0;
	uid_t uid;
	int r;

	if (!m->pacing)
		m->pacing = calloc(1, sizeof(*m->pacing));
	if (!m->pacing)
		return -ENOMEM;
	r = sender_uid(m->pacing, msg, &uid);
	if (r < 0)
		return sd_bus_error_set_errnof(error, r, "cannot identify the caller: %m");
	if (uid == 0)
		return answer(m, msg, &cost);
	b = bucket_get(m->pacing, uid);
	if (!b)
		return -ENOMEM;
	bucket_refill(b, now_usec());
	/* First come, first served: nobody overtakes a waiting call of its own uid. */
	if (b->head || b->tokens < 1.0)
		return enqueue(m, b, msg, answer, error);
	r = answer(m, msg, &cost);
	bucket_charge(b, cost);
	return r;
}

void pacing_free(struct manager *m)
{
	struct pacing *p = m->pacing;

	if (!p)
		return;
	while (p->buckets) {
		struct bucket *b = p->buckets;

		p->buckets = b->next;
		while (b->head) {
			struct paced_call *c = b->head;

			b->head = c->next;
			sd_bus_message_unref(c->msg);
			free(c);
		}
		free(b);
	}
	senders_clear(p);
	sd_event_source_disable_unref(p->timer);
	free(p);
	m->pacing = NULL;
}
