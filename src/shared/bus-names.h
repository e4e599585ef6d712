/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The D-Bus contract between tdxd and its clients (tdxctl, busctl, VMMs).
 * Keep every name stable once shipped; man/tdxctl-dbus.5.scd documents them.
 */

#define TDX_BUS_NAME	   "org.tdxctl.tdx1"
#define TDX_BUS_PATH	   "/org/tdxctl/tdx1"
#define TDX_BUS_IFACE	   "org.tdxctl.tdx1.Manager"
#define TDX_BUS_JOB_PREFIX "/org/tdxctl/tdx1/job"
#define TDX_BUS_JOB_IFACE  "org.tdxctl.tdx1.Job"

/* Errors; the message says what exactly. */
#define TDX_BUS_ERROR_ACCESS_DENIED   "org.tdxctl.tdx1.Error.AccessDenied" /* not root, no polkit */
#define TDX_BUS_ERROR_NOT_AUTHORIZED  "org.tdxctl.tdx1.Error.NotAuthorized" /* polkit said no */
#define TDX_BUS_ERROR_BUSY	      "org.tdxctl.tdx1.Error.Busy"	    /* a job is running */
#define TDX_BUS_ERROR_UP_TO_DATE      "org.tdxctl.tdx1.Error.UpToDate"
#define TDX_BUS_ERROR_NOT_FOUND	      "org.tdxctl.tdx1.Error.NotFound"	 /* version not in store */
#define TDX_BUS_ERROR_NOT_ALLOWED     "org.tdxctl.tdx1.Error.NotAllowed" /* policy forbids it */
#define TDX_BUS_ERROR_NO_PATH	      "org.tdxctl.tdx1.Error.NoPath"	 /* no chain of hops */
#define TDX_BUS_ERROR_NO_UPDATES_LEFT "org.tdxctl.tdx1.Error.NoUpdatesLeft" /* budget too small */
#define TDX_BUS_ERROR_UNSUPPORTED     "org.tdxctl.tdx1.Error.Unsupported"   /* no runtime update */
#define TDX_BUS_ERROR_UNKNOWN_IMAGE \
	"org.tdxctl.tdx1.Error.UnknownImage" /* fd image not identified */
#define TDX_BUS_ERROR_INVALID_IMAGE "org.tdxctl.tdx1.Error.InvalidImage"
#define TDX_BUS_ERROR_FAILED	    "org.tdxctl.tdx1.Error.Failed"
#define TDX_BUS_ERROR_LIMIT	    "org.tdxctl.tdx1.Error.LimitExceeded" /* a per-caller cap */

/* polkit actions (systemd/org.tdxctl.tdx1.policy). */
#define TDX_POLKIT_UPDATE  "org.tdxctl.tdx1.update"  /* Update, UpdateFromFd */
#define TDX_POLKIT_INHIBIT "org.tdxctl.tdx1.inhibit" /* Inhibit, Hold/ReleaseInhibitor */
#define TDX_POLKIT_REFRESH "org.tdxctl.tdx1.refresh" /* Refresh (cheap but reads slow sysfs) */

/* Journal MESSAGE_IDs (sd-id128 form, for journalctl MESSAGE_ID=...). */
#define TDX_MESSAGE_UPDATE_STARTED   "5c1f0e7a9b2d4e0c8a61f3d2b7e49a10"
#define TDX_MESSAGE_UPDATE_SUCCEEDED "5c1f0e7a9b2d4e0c8a61f3d2b7e49a11"
#define TDX_MESSAGE_UPDATE_REFUSED   "5c1f0e7a9b2d4e0c8a61f3d2b7e49a12"
#define TDX_MESSAGE_UPDATE_FAILED    "5c1f0e7a9b2d4e0c8a61f3d2b7e49a13"
#define TDX_MESSAGE_UPDATE_FATAL     "5c1f0e7a9b2d4e0c8a61f3d2b7e49a14"
/* Named inhibitors (HoldInhibitor, tdxctl inhibit --hold): held, released, expired. */
#define TDX_MESSAGE_INHIBIT_HELD     "5c1f0e7a9b2d4e0c8a61f3d2b7e49a20"
#define TDX_MESSAGE_INHIBIT_RELEASED "5c1f0e7a9b2d4e0c8a61f3d2b7e49a21"
#define TDX_MESSAGE_INHIBIT_EXPIRED  "5c1f0e7a9b2d4e0c8a61f3d2b7e49a22"

/* One HeldInhibitors entry: key, who, why, uid, expiry (CLOCK_REALTIME usec; max: unknown). */
#define TDX_BUS_HELD_KEY "(sssut)"

/* Signature of one History() record: see struct tdx_history_record. */
#define TDX_BUS_HISTORY_RECORD	     "(stssssiiss)"
#define TDX_BUS_HISTORY_RECORD_ARRAY "a(stssssiiss)"
