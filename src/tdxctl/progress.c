/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <tdx/macro.h>
#include "progress.h"

#define PROGRESS_BAR_WIDTH 30
/* Redraw at most this often: the engine calls back once per page written. */
#define PROGRESS_REDRAW_USEC (100 * USEC_PER_MSEC)

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

void progress_init(struct progress *p, bool enabled)
{
	*p = (struct progress){.enabled = enabled};
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
}

void progress_begin(struct progress *p, const char *label)
{
	pthread_mutex_lock(&p->lock);
	p->label = label;
	p->phase = TDX_PHASE_WRITING;
	p->phase_start_usec = now_usec();
	p->last_draw_usec = 0;
	p->spin = 0;
	pthread_mutex_unlock(&p->lock);
}

static void draw_bar(const struct progress *p, size_t done, size_t total)
{
	unsigned filled = total ? (unsigned)((uint64_t)done * PROGRESS_BAR_WIDTH / total) : 0;
	char bar[PROGRESS_BAR_WIDTH + 1];

	memset(bar, '#', filled);
	memset(bar + filled, '.', PROGRESS_BAR_WIDTH - filled);
	bar[PROGRESS_BAR_WIDTH] = '\0';
	if (p->percent)
		fprintf(stderr, "\r\033[K%s [%s] %3u %%", p->label, bar,
			total ? (unsigned)((uint64_t)done * 100 / total) : 0);
	else
		fprintf(stderr, "\r\033[K%s [%s] %zu/%zu KiB", p->label, bar, done / 1024,
			total / 1024);
}

/* Called with the lock held. */
static void draw_spinner(struct progress *p, uint64_t now)
{
	static const char spinner[] = "|/-\\";
	const char *what = p->phase == TDX_PHASE_VERIFYING ? "verifying" : "installing";

	fprintf(stderr, "\r\033[K%s %c %s, %.1f s", p->label, spinner[p->spin++ % 4], what,
		(now - p->phase_start_usec) / 1e6);
	fflush(stderr);
	p->last_draw_usec = now;
	p->drawn = true;
}

static void *spinner_thread(void *ud)
{
	struct progress *p = ud;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PROGRESS_REDRAW_USEC * NSEC_PER_USEC;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&p->wake, &p->lock, &until) == ETIMEDOUT && !p->stop)
			draw_spinner(p, now_usec());
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void progress_update(void *ud, enum tdx_upload_phase phase, size_t done, size_t total)
{
	struct progress *p = ud;
	uint64_t now;
	bool last_page = phase == TDX_PHASE_WRITING && done == total;

	if (!p->enabled)
		return;
	now = now_usec();
	pthread_mutex_lock(&p->lock);
	if (phase != p->phase) {
		p->phase = phase;
		p->phase_start_usec = now;
	} else if (!last_page && now - p->last_draw_usec < PROGRESS_REDRAW_USEC) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	if (phase == TDX_PHASE_WRITING) {
		draw_bar(p, done, total);
		fflush(stderr);
		p->last_draw_usec = now;
		p->drawn = true;
	} else {
		draw_spinner(p, now);
		/* No thread is not fatal: the spinner then just stands still. */
		if (!p->thread_running) {
			p->stop = false;
			p->thread_running =
				pthread_create(&p->thread, NULL, spinner_thread, p) == 0;
		}
	}
	pthread_mutex_unlock(&p->lock);
}

static void stop_thread(struct progress *p)
{
	if (!p->thread_running)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->thread_running = false;
}

void progress_clear(struct progress *p)
{
	stop_thread(p);
	if (!p->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->drawn = false;
}

void progress_done(struct progress *p)
{
	stop_thread(p);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
}
