// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fw_upload engine: drive loading/data/status/error through struct
 * tdx_fwupload_io and classify what happened. No file system access here, so
 * every path is unit tested with a scripted fake.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tdx/fwupload.h>
#include <tdx/macro.h>
#include <tdx/string-table.h>

/* kernfs takes at most one page per write(2); larger writes come back short anyway. */
#define FW_DATA_WRITE_MAX 4096u
/* Consecutive EINTRs tolerated on one chunk before giving up. */
#define FW_EINTR_MAX 1000u

static const char *const tdx_fw_status_table[] = {
	[TDX_FW_STATUS_IDLE] = "idle",
	[TDX_FW_STATUS_RECEIVING] = "receiving",
	[TDX_FW_STATUS_PREPARING] = "preparing",
	[TDX_FW_STATUS_TRANSFERRING] = "transferring",
	[TDX_FW_STATUS_PROGRAMMING] = "programming",
	[TDX_FW_STATUS_UNKNOWN] = "unknown",
};

/* The strings of drivers/base/firmware_loader/sysfs_upload.c, in its order. */
static const char *const tdx_fw_error_table[] = {
	[TDX_FW_ERROR_NONE] = "none",
	[TDX_FW_ERROR_HW_ERROR] = "hw-error",
	[TDX_FW_ERROR_TIMEOUT] = "timeout",
	[TDX_FW_ERROR_USER_ABORT] = "user-abort",
	[TDX_FW_ERROR_DEVICE_BUSY] = "device-busy",
	[TDX_FW_ERROR_INVALID_FILE_SIZE] = "invalid-file-size",
	[TDX_FW_ERROR_READ_WRITE_ERROR] = "read-write-error",
	[TDX_FW_ERROR_FLASH_WEAROUT] = "flash-wearout",
	[TDX_FW_ERROR_FIRMWARE_INVALID] = "firmware-invalid",
	[TDX_FW_ERROR_UNKNOWN] = "unknown",
};

static const char *const tdx_update_outcome_table[] = {
	[TDX_OUTCOME_SUCCESS] = "success", [TDX_OUTCOME_REFUSED] = "refused",
	[TDX_OUTCOME_BUSY] = "busy",	   [TDX_OUTCOME_FATAL] = "fatal",
	[TDX_OUTCOME_TIMEOUT] = "timeout", [TDX_OUTCOME_IO_ERROR] = "io-error",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_fw_status, enum tdx_fw_status, );
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_fw_error, enum tdx_fw_error, );

enum tdx_fw_status tdx_fw_status_from_string(const char *s)
{
	/* "unknown" is ours, never the kernel's: it is not accepted either. */
	ssize_t i = tdx_string_table_lookup(tdx_fw_status_table, TDX_FW_STATUS_UNKNOWN, s);

	return i < 0 ? TDX_FW_STATUS_UNKNOWN : (enum tdx_fw_status)i;
}

static enum tdx_fw_error fw_error_from_string(const char *s, size_t len)
{
	/* "none" is never printed (no error reads empty), so it is not accepted */
	for (unsigned i = TDX_FW_ERROR_HW_ERROR; i < TDX_FW_ERROR_UNKNOWN; i++)
		if (strlen(tdx_fw_error_table[i]) == len &&
		    memcmp(s, tdx_fw_error_table[i], len) == 0)
			return (enum tdx_fw_error)i;
	return TDX_FW_ERROR_UNKNOWN;
}

int tdx_fw_error_parse(const char *s, struct tdx_fw_error_info *ret)
{
	struct tdx_fw_error_info info = {.progress = TDX_FW_STATUS_IDLE};
	char progress[32];
	const char *colon;
	size_t len = strlen(s);

	if (len > 0 && s[len - 1] == '\n')
		len--;
	snprintf(info.raw, sizeof(info.raw), "%.*s", (int)len, s);
	if (len == 0) {
		*ret = info;
		return 0;
	}
	colon = memchr(s, ':', len);
	if (!colon) {
		info.progress = TDX_FW_STATUS_UNKNOWN;
		info.code = TDX_FW_ERROR_UNKNOWN;
		*ret = info;
		return -EINVAL;
	}
	snprintf(progress, sizeof(progress), "%.*s", (int)(colon - s), s);
	info.progress = tdx_fw_status_from_string(progress);
	info.code = fw_error_from_string(colon + 1, len - (size_t)(colon + 1 - s));
	*ret = info;
	return 0;
}

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_update_outcome, enum tdx_update_outcome, );

static struct tdx_fwupload_opts opts_normalize(const struct tdx_fwupload_opts *opts)
{
	struct tdx_fwupload_opts o = opts ? *opts : (struct tdx_fwupload_opts){0};

	if (o.timeout_usec == 0)
		o.timeout_usec = TDX_FWUPLOAD_DEFAULT_TIMEOUT_USEC;
	if (o.poll_initial_usec == 0)
		o.poll_initial_usec = TDX_FWUPLOAD_DEFAULT_POLL_INITIAL_USEC;
	if (o.poll_max_usec == 0)
		o.poll_max_usec = TDX_FWUPLOAD_DEFAULT_POLL_MAX_USEC;
	/* the first look after loading=0 must be quick: most installs take milliseconds */
	if (o.poll_initial_usec > USEC_PER_MSEC)
		o.poll_initial_usec = USEC_PER_MSEC;
	if (o.poll_max_usec < o.poll_initial_usec)
		o.poll_max_usec = o.poll_initial_usec;
	return o;
}

static void report(const struct tdx_fwupload_opts *o, enum tdx_upload_phase phase, size_t done,
		   size_t total)
{
	if (o->progress)
		o->progress(o->progress_ud, phase, done, total);
}

static int read_status(const struct tdx_fwupload_io *io, void *ud, enum tdx_fw_status *ret)
{
	char buf[64];
	int r;

	r = io->read_attr(ud, "status", buf, sizeof(buf));
	if (r < 0)
		return r;
	*ret = tdx_fw_status_from_string(buf);
	return 0;
}

/* Writes the whole buffer through data in page-sized pieces. */
static int write_data(const struct tdx_fwupload_io *io, void *ud, const uint8_t *buf, size_t size,
		      const struct tdx_fwupload_opts *o, struct tdx_diag *diag)
{
	size_t done = 0;
	unsigned eintr = 0;

	report(o, TDX_PHASE_WRITING, 0, size);
	while (done < size) {
		size_t chunk = size - done < FW_DATA_WRITE_MAX ? size - done : FW_DATA_WRITE_MAX;
		ssize_t n = io->data_write(ud, buf + done, chunk);

		if (n == -EINTR && ++eintr < FW_EINTR_MAX)
			continue;
		if (n < 0)
			return tdx_diag_set(diag, (int)n,
					    "data: write at offset %zu of %zu failed: %s", done,
					    size, strerror((int)-n));
		if (n == 0 || (size_t)n > chunk)
			return tdx_diag_set(diag, -EIO, "data: write at offset %zu returned %zd",
					    done, n);
		eintr = 0;
		done += (size_t)n;
		report(o, TDX_PHASE_WRITING, done, size);
	}
	return 0;
}

/* loading=1, data, loading=0. On failure the partial load is aborted with loading=-1. */
static int transfer(const struct tdx_fwupload_io *io, void *ud, const void *buf, size_t size,
		    const struct tdx_fwupload_opts *o, struct tdx_fwupload_result *res,
		    struct tdx_diag *diag)
{
	int r;

	r = io->data_open(ud);
	if (r < 0)
		r = tdx_diag_set(diag, r, "data: cannot open: %s", strerror(-r));
	else {
		r = write_data(io, ud, buf, size, o, diag);
		io->data_close(ud);
	}
	if (r >= 0) {
		r = io->write_attr(ud, "loading", "0");
		if (r == -EBUSY)
			tdx_diag_set(diag, r,
				     "loading: another firmware upload is already running");
		else if (r < 0)
			tdx_diag_set(diag, r, "loading: writing 0 failed: %s", strerror(-r));
	}
	if (r < 0) {
		(void)io->write_attr(ud, "loading", "-1");
		res->outcome = r == -EBUSY ? TDX_OUTCOME_BUSY : TDX_OUTCOME_IO_ERROR;
	}
	return r;
}

/*
 * Polls status until idle with exponential back-off: the kernel never
 * notifies, and most installs finish in milliseconds, so the first look is
 * immediate and the first sleeps are short. Then reads error, which is -EBUSY
 * until the upload is really over.
 */
static int wait_idle(const struct tdx_fwupload_io *io, void *ud, const struct tdx_fwupload_opts *o,
		     struct tdx_fwupload_result *res, char *err_buf, size_t err_size,
		     struct tdx_diag *diag)
{
	uint64_t start = io->now_usec(ud), delay = o->poll_initial_usec;
	enum tdx_fw_status st = TDX_FW_STATUS_UNKNOWN;
	int r = 0;

	for (;;) {
		uint64_t now;

		res->polls++;
		r = read_status(io, ud, &st);
		if (r >= 0 && st == TDX_FW_STATUS_IDLE) {
			r = io->read_attr(ud, "error", err_buf, err_size);
			if (r != -EBUSY)
				break;
		}
		now = io->now_usec(ud);
		if (now - start >= o->timeout_usec) {
			res->install_usec = now - start;
			return tdx_diag_set(diag, -ETIMEDOUT,
					    "status: still %s after %llu ms (last read: %s)",
					    tdx_fw_status_to_string(st),
					    (unsigned long long)((now - start) / USEC_PER_MSEC),
					    r < 0 ? strerror(-r) : "ok");
		}
		io->sleep_usec(ud, delay < o->timeout_usec - (now - start)
					   ? delay
					   : o->timeout_usec - (now - start));
		delay = delay * 2 < o->poll_max_usec ? delay * 2 : o->poll_max_usec;
	}
	res->install_usec = io->now_usec(ud) - start;
	if (r < 0) {
		snprintf(err_buf, err_size, "<error unreadable: %s>", strerror(-r));
		return 0;
	}
	return 0;
}

static enum tdx_update_outcome classify(const struct tdx_fwupload_result *res)
{
	/* The module is gone or in an unknown state: never treat it as retryable. */
	if (res->version_after_err < 0)
		return TDX_OUTCOME_FATAL;
	if (res->error.code == TDX_FW_ERROR_NONE)
		return TDX_OUTCOME_SUCCESS;
	if (res->error.code == TDX_FW_ERROR_DEVICE_BUSY)
		return TDX_OUTCOME_BUSY;
	return TDX_OUTCOME_REFUSED;
}

static void read_version_after(const struct tdx_fwupload_io *io, void *ud,
			       struct tdx_fwupload_result *res)
{
	res->version_after_err = io->read_version(ud, &res->version_after);
	res->version_after_known = res->version_after_err >= 0;
	if (!res->version_after_known)
		res->version_after = (struct tdx_version){0};
}

static void describe_outcome(const struct tdx_fwupload_result *res, struct tdx_diag *diag)
{
	char v[TDX_VERSION_STRING_MAX];

	switch (res->outcome) {
	case TDX_OUTCOME_FATAL:
		tdx_diag_set(diag, 0,
			     "module version unreadable after the update (%s, error \"%s\"): %s",
			     strerror(-res->version_after_err), res->error.raw,
			     res->version_after_err == -ENXIO
				     ? "the TDX module is lost, every TD is gone, reboot required"
				     : "module state unknown, treated as lost; do not retry");
		break;
	case TDX_OUTCOME_SUCCESS:
		tdx_diag_set(diag, 0, "no error reported, module version now %s",
			     tdx_version_format(&res->version_after, v));
		break;
	default:
		tdx_diag_set(diag, 0, "kernel reported \"%s\", module %s still running",
			     res->error.raw, tdx_version_format(&res->version_after, v));
		break;
	}
}

int tdx_fwupload_stream(const struct tdx_fwupload_io *io, void *ud, const void *buf, size_t size,
			const struct tdx_fwupload_opts *opts, struct tdx_fwupload_result *ret,
			struct tdx_diag *diag)
{
	struct tdx_fwupload_opts o = opts_normalize(opts);
	struct tdx_fwupload_result res = {0};
	enum tdx_fw_status st;
	char err_buf[256] = "";
	uint64_t t0;
	int r;

	if (size == 0)
		return tdx_diag_set(diag, -EINVAL, "image is empty");
	r = read_status(io, ud, &st);
	if (r < 0)
		return tdx_diag_set(diag, r, "status: cannot read: %s", strerror(-r));
	if (st != TDX_FW_STATUS_IDLE)
		return tdx_diag_set(diag, -EBUSY, "status is %s, not idle: an upload is running",
				    tdx_fw_status_to_string(st));

	t0 = io->now_usec(ud);
	r = io->write_attr(ud, "loading", "1");
	if (r < 0)
		return tdx_diag_set(diag, r, "loading: writing 1 failed: %s", strerror(-r));

	r = transfer(io, ud, buf, size, &o, &res, diag);
	res.write_usec = io->now_usec(ud) - t0;
	if (r < 0) {
		/* nothing reached the driver: the old module runs untouched */
		*ret = res;
		return 0;
	}

	report(&o, TDX_PHASE_INSTALLING, size, size);
	r = wait_idle(io, ud, &o, &res, err_buf, sizeof(err_buf), diag);
	if (r < 0) {
		res.outcome = TDX_OUTCOME_TIMEOUT;
		read_version_after(io, ud, &res);
		*ret = res;
		return 0;
	}

	report(&o, TDX_PHASE_VERIFYING, size, size);
	(void)tdx_fw_error_parse(err_buf, &res.error);
	read_version_after(io, ud, &res);
	res.outcome = classify(&res);
	describe_outcome(&res, diag);
	*ret = res;
	return 0;
}
