/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The checks that must all pass before one byte goes to fw_upload. Each has
 * its own message. None of the fatal ones can be skipped by any option.
 */
#include <stdbool.h>

#include "diag.h"

enum tdx_check {
	TDX_CHECK_MODULE_RUNNING = 0, /* version readable (not lost, host present) */
	TDX_CHECK_UPDATE_SUPPORTED,   /* seamldr attributes and fw_upload present */
	TDX_CHECK_CPUS_ONLINE,        /* online == present: offline CPUs make the update fatal */
	TDX_CHECK_UPDATES_LEFT,       /* num_remaining_updates > reserve (and > 0 always) */
	TDX_CHECK_FWUPLOAD_IDLE,      /* status idle: no other upload running */
	TDX_CHECK_LOCK,               /* host-wide update lock held */
	TDX_CHECK_POLICY,             /* the hop is allowed from the version running now */
	TDX_CHECK_IMAGE,              /* image valid for this kernel's format, checksum, seamhash */
	TDX_CHECK_VETO,               /* daemon: inhibitors and pre-update hooks */
	TDX_CHECK_COUNT,
};

struct tdx_check_result {
	bool ran;
	bool passed;
	int err;                 /* -errno when !passed */
	char msg[TDX_DIAG_MAX];  /* why it failed, or a short confirmation ("2 of 2 CPUs online") */
};

struct tdx_preflight {
	struct tdx_check_result checks[TDX_CHECK_COUNT];
};

const char *tdx_check_to_string(enum tdx_check c); /* snake_case: "cpus_online" */
/* True when every check that ran passed and at least one ran. */
bool tdx_preflight_passed(const struct tdx_preflight *p);
/* The first failed check, or TDX_CHECK_COUNT. */
enum tdx_check tdx_preflight_first_failure(const struct tdx_preflight *p);
