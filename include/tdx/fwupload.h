/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The fw_upload engine: loading=1, data in page-sized writes, loading=0, poll
 * status until idle, read error, classify by re-reading the module version.
 * All I/O goes through struct tdx_fwupload_io so the state logic is unit
 * tested without a kernel; tdx_fwupload_io_sysfs is the real one.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tdx/diag.h>
#include <tdx/version.h>

enum tdx_fw_status {
	TDX_FW_STATUS_IDLE = 0,
	TDX_FW_STATUS_RECEIVING,
	TDX_FW_STATUS_PREPARING,
	TDX_FW_STATUS_TRANSFERRING,
	TDX_FW_STATUS_PROGRAMMING,
	TDX_FW_STATUS_UNKNOWN,
};

enum tdx_fw_error {
	TDX_FW_ERROR_NONE = 0,
	TDX_FW_ERROR_HW_ERROR,
	TDX_FW_ERROR_TIMEOUT,
	TDX_FW_ERROR_USER_ABORT,
	TDX_FW_ERROR_DEVICE_BUSY,
	TDX_FW_ERROR_INVALID_FILE_SIZE,
	TDX_FW_ERROR_READ_WRITE_ERROR,
	TDX_FW_ERROR_FLASH_WEAROUT,
	TDX_FW_ERROR_FIRMWARE_INVALID,
	TDX_FW_ERROR_UNKNOWN, /* kept verbatim in raw */
};

/* The `error` attribute, "<status>:<error>" or empty. */
struct tdx_fw_error_info {
	enum tdx_fw_status progress;
	enum tdx_fw_error code;
	char raw[128];
};

const char *tdx_fw_status_to_string(enum tdx_fw_status s);
enum tdx_fw_status tdx_fw_status_from_string(const char *s); /* UNKNOWN for anything else */
const char *tdx_fw_error_to_string(enum tdx_fw_error e);
/* Parses the error attribute; empty means NONE. -EINVAL for text without ':' (kept in raw). */
int tdx_fw_error_parse(const char *s, struct tdx_fw_error_info *ret);

enum tdx_update_outcome {
	TDX_OUTCOME_SUCCESS = 0, /* new version running, one slot used */
	TDX_OUTCOME_REFUSED,	 /* kernel or module refused; old module still runs, TDs intact */
	TDX_OUTCOME_BUSY,	 /* device-busy (v4 layout): refused, retry later */
	TDX_OUTCOME_FATAL,	 /* version read gives ENXIO: module lost, TDs killed */
	TDX_OUTCOME_TIMEOUT,	 /* status never returned to idle within the timeout */
	TDX_OUTCOME_IO_ERROR,	 /* we could not drive fw_upload (nothing installed) */
};
const char *tdx_update_outcome_to_string(enum tdx_update_outcome o); /* "success", "fatal", ... */

enum tdx_upload_phase {
	TDX_PHASE_WRITING,    /* bytes going into data */
	TDX_PHASE_INSTALLING, /* loading=0 done, waiting for idle */
	TDX_PHASE_VERIFYING,
};

struct tdx_fwupload_io {
	/* attr: "loading", "status", "error", "remaining_size", "cancel" */
	int (*read_attr)(void *ud, const char *attr, char *buf, size_t size); /* length or -errno */
	int (*write_attr)(void *ud, const char *attr, const char *value);
	int (*data_open)(void *ud);
	ssize_t (*data_write)(void *ud, const void *buf, size_t len); /* may be short, may -EINTR */
	void (*data_close)(void *ud);
	int (*read_version)(void *ud, struct tdx_version *ret); /* -ENXIO: module lost */
	void (*sleep_usec)(void *ud, uint64_t usec);
	uint64_t (*now_usec)(void *ud); /* CLOCK_MONOTONIC */
};

struct tdx_fwupload_opts {
	uint64_t timeout_usec;	    /* overall wait for idle after loading=0; default 600 s */
	uint64_t poll_initial_usec; /* default 500 us; capped at 1 ms */
	uint64_t poll_max_usec;	    /* back-off cap; default 2 ms */
	void (*progress)(void *ud, enum tdx_upload_phase phase, size_t done, size_t total);
	void *progress_ud;
};
#define TDX_FWUPLOAD_DEFAULT_TIMEOUT_USEC      (600 * USEC_PER_SEC)
#define TDX_FWUPLOAD_DEFAULT_POLL_INITIAL_USEC 500
/*
 * The kernel does not notify (sysfs_upload.c calls no sysfs_notify), so the
 * end of an install is seen by polling, on average half a poll late. A
 * status read on sysfs is one pread of a file kept open (microseconds), so
 * the cap is 2 ms.
 */
#define TDX_FWUPLOAD_DEFAULT_POLL_MAX_USEC (2 * USEC_PER_MSEC)

struct tdx_fwupload_result {
	enum tdx_update_outcome outcome;
	struct tdx_fw_error_info error;
	bool version_after_known;
	struct tdx_version version_after;
	int version_after_err; /* -ENXIO for FATAL */
	uint64_t write_usec;   /* loading=1 .. loading=0 */
	uint64_t install_usec; /* loading=0 .. idle seen */
	unsigned polls;
};

/*
 * Uploads buf (already validated: these exact bytes are written) and
 * classifies the outcome. Requires status idle first (-EBUSY otherwise,
 * nothing written). Returns 0 whenever an outcome was reached (see
 * ret->outcome), -errno only when nothing was attempted.
 */
int tdx_fwupload_stream(const struct tdx_fwupload_io *io, void *ud, const void *buf, size_t size,
			const struct tdx_fwupload_opts *opts, struct tdx_fwupload_result *ret,
			struct tdx_diag *diag);

/*
 * The real I/O over a fw_upload directory and the module version attribute.
 * status_fd is the status file kept open for polling, valid only when
 * status_open is set (so a zeroed struct never reads fd 0); release it with
 * tdx_fwupload_sysfs_done().
 */
struct tdx_fwupload_sysfs {
	const char *fwupload_dir;
	const char *version_path;
	int data_fd;
	bool status_open;
	int status_fd;
};
extern const struct tdx_fwupload_io tdx_fwupload_io_sysfs;
void tdx_fwupload_sysfs_done(struct tdx_fwupload_sysfs *s);

/* Reads status of a fw_upload directory. */
int tdx_fwupload_read_status(const char *fwupload_dir, enum tdx_fw_status *ret);
