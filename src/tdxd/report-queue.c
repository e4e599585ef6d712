// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fairness for Report(), the one method open to everyone that does real
 * work (issue 7). Calls are queued per connection; an idle-priority event
 * source answers one call per loop iteration, taking the connections in
 * turn. sd-bus's own sources run at normal priority, so every message
 * already received (a root Ping, Update or Inhibit) is handled before the
 * next queued Report, however many are queued.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-names.h"
#include "tdxd.h"

struct report_call {
	sd_bus_message *msg;
	struct report_call *next;
};

struct report_sender {
	char *name; /* unique bus name */
	struct report_call *head, *tail;
	unsigned n;
	struct report_sender *next;
};

static void sender_free(struct report_sender *s)
{
	while (s->head) {
		struct report_call *c = s->head;

		s->head = c->next;
		sd_bus_message_unref(c->msg);
		free(c);
	}
	free(s->name);
	free(s);
}

static struct report_sender *sender_find(struct manager *m, const char *name)
{
	for (struct report_sender *s = m->report_senders; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static void sender_append(struct manager *m, struct report_sender *s)
{
	struct report_sender **pp = &m->report_senders;

	while (*pp)
		pp = &(*pp)->next;
	s->next = NULL;
	*pp = s;
}

/* One call of the first connection, which then goes to the back of the line. */
static int report_dispatch(sd_event_source *source, void *userdata)
{
	struct manager *m = userdata;
	struct report_sender *s = m->report_senders;
	struct report_call *c;

	if (!s)
		return sd_event_source_set_enabled(source, SD_EVENT_OFF);
	c = s->head;
	s->head = c->next;
	if (!s->head)
		s->tail = NULL;
	s->n--;
	m->report_senders = s->next;
	if (s->n > 0)
		sender_append(m, s);
	else
		sender_free(s);
	(void)report_answer(m, c->msg);
	sd_bus_message_unref(c->msg);
	free(c);
	if (!m->report_senders)
		return sd_event_source_set_enabled(source, SD_EVENT_OFF);
	return 0;
}

static int report_source_arm(struct manager *m)
{
	int r;

	if (!m->report_source) {
		r = sd_event_add_defer(m->event, &m->report_source, report_dispatch, m);
		if (r < 0)
			return r;
		r = sd_event_source_set_priority(m->report_source, SD_EVENT_PRIORITY_IDLE);
		if (r < 0)
			return r;
	}
	return sd_event_source_set_enabled(m->report_source, SD_EVENT_ON);
}

int report_queue_push(struct manager *m, sd_bus_message *msg, sd_bus_error *error)
{
	const char *name = sd_bus_message_get_sender(msg) ?: "";
	struct report_sender *s = sender_find(m, name);
	struct report_call *c;
	int r;

	if (s && s->n >= REPORT_QUEUE_PER_SENDER)
		return sd_bus_error_setf(error, TDX_BUS_ERROR_LIMIT,
					 "%u Report calls of this connection are waiting already",
					 s->n);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s || !(s->name = strdup(name))) {
			free(s);
			free(c);
			return -ENOMEM;
		}
		sender_append(m, s);
	}
	c->msg = sd_bus_message_ref(msg);
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	s->n++;
	r = report_source_arm(m);
	return r < 0 ? r : 1; /* answered later */
}

void report_queue_free(struct manager *m)
{
	while (m->report_senders) {
		struct report_sender *s = m->report_senders;

		m->report_senders = s->next;
		sender_free(s);
	}
	m->report_source = sd_event_source_disable_unref(m->report_source);
}
