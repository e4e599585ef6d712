/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "macro.h"
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
}

void progress_begin(struct progress *p, const char *label)
{
	p->label = label;
	p->phase = TDX_PHASE_WRITING;
	p->phase_start_usec = now_usec();
	p->last_draw_usec = 0;
	p->spin = 0;
}

static void draw_bar(const struct progress *p, size_t done, size_t total)
{
	unsigned filled = total ? (unsigned)((uint64_t)done * PROGRESS_BAR_WIDTH / total) : 0;
	char bar[PROGRESS_BAR_WIDTH + 1];

	memset(bar, '#', filled);
	memset(bar + filled, '.', PROGRESS_BAR_WIDTH - filled);
	bar[PROGRESS_BAR_WIDTH] = '\0';
	fprintf(stderr, "\r\033[K%s [%s] %zu/%zu KiB", p->label, bar, done / 1024, total / 1024);
}

static void draw_spinner(const struct progress *p, uint64_t now)
{
	static const char spinner[] = "|/-\\";
	const char *what = p->phase == TDX_PHASE_VERIFYING ? "verifying" : "installing";

	fprintf(stderr, "\r\033[K%s %c %s, %.1f s", p->label, spinner[p->spin % 4], what,
		(now - p->phase_start_usec) / 1e6);
}

void progress_update(void *ud, enum tdx_upload_phase phase, size_t done, size_t total)
{
	struct progress *p = ud;
	uint64_t now;
	bool last_page = phase == TDX_PHASE_WRITING && done == total;

	if (!p->enabled)
		return;
	now = now_usec();
	if (phase != p->phase) {
		p->phase = phase;
		p->phase_start_usec = now;
	} else if (!last_page && now - p->last_draw_usec < PROGRESS_REDRAW_USEC) {
		return;
	}
	p->last_draw_usec = now;
	p->spin++;
	if (phase == TDX_PHASE_WRITING)
		draw_bar(p, done, total);
	else
		draw_spinner(p, now);
	fflush(stderr);
	p->drawn = true;
}

void progress_clear(struct progress *p)
{
	if (!p->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->drawn = false;
}
