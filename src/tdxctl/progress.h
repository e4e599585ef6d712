/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Upload progress on a terminal: a byte bar while writing, then a spinner
 * with the elapsed time while the kernel installs. The engine reports the
 * install phase once and then polls quietly for up to --timeout, so a small
 * thread keeps the spinner and the clock moving. Off a terminal nothing is
 * drawn; the caller prints one line per hop instead.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/fwupload.h>

struct progress {
	bool enabled;	   /* stderr is a terminal */
	bool percent;	   /* done/total are a share, not bytes (tdxd's job Progress) */
	const char *label; /* "1.5.06 -> 1.5.10", owned by the caller */
	uint64_t phase_start_usec;
	uint64_t last_draw_usec;
	enum tdx_upload_phase phase;
	unsigned spin;
	bool drawn;

	/* The spinner thread, running between the install phase and progress_clear(). */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool thread_running;
	bool stop;
};

void progress_init(struct progress *p, bool enabled);
/* Stops the spinner thread and frees what progress_init() set up. */
void progress_done(struct progress *p);
/* Starts a hop; label must stay valid until progress_clear(). */
void progress_begin(struct progress *p, const char *label);
/* Matches tdx_fwupload_opts.progress; ud is a struct progress. */
void progress_update(void *ud, enum tdx_upload_phase phase, size_t done, size_t total);
/* Stops the spinner and erases the progress line so the next message starts clean. */
void progress_clear(struct progress *p);
