// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include <tdx/fwupload.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>

#define IMG_SIZE (3 * 4096 + 100)

static uint8_t img[IMG_SIZE];

static int setup_img(void **state)
{
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7 + 3);
	return 0;
}

/* A fake that installs 1.5.08 after two polls. */
static struct fake_fw good_fake(void)
{
	return (struct fake_fw){
		.status_after = {"transferring", "programming", "idle"},
		.version = {1, 5, 8},
	};
}

static int stream(struct fake_fw *f, const struct tdx_fwupload_opts *o,
		  struct tdx_fwupload_result *res, struct tdx_diag *d)
{
	return tdx_fwupload_stream(&fake_fw_io, f, img, sizeof(img), o, res, d);
}

static void assert_data_is_image(const struct fake_fw *f)
{
	assert_int_equal(f->data_size, sizeof(img));
	assert_memory_equal(f->data, img, sizeof(img));
}

static void test_not_idle_writes_nothing(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res = {.polls = 99};
	struct tdx_diag d = {""};

	f.status_before = "transferring";
	assert_int_equal(stream(&f, NULL, &res, &d), -EBUSY);
	assert_false(fake_fw_touched(&f));
	assert_int_equal(f.n_log, 0);
	assert_int_equal(res.polls, 99); /* untouched */
	assert_non_null(strstr(d.msg, "transferring"));
}

static void test_status_unreadable_writes_nothing(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;

	f.status_err = -EACCES;
	assert_int_equal(stream(&f, NULL, &res, NULL), -EACCES);
	assert_false(fake_fw_touched(&f));
}

static void test_success_sequence(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;
	struct tdx_diag d = {""};

	assert_int_equal(stream(&f, NULL, &res, &d), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
	assert_int_equal(res.error.code, TDX_FW_ERROR_NONE);
	assert_true(res.version_after_known);
	assert_int_equal(res.version_after.update, 8);
	assert_int_equal(res.polls, 3);
	assert_int_equal(fake_fw_log_find(&f, "loading=1"), 0);
	assert_int_equal(fake_fw_log_find(&f, "data-open"), 1);
	assert_int_equal(fake_fw_log_find(&f, "data-close"), 2);
	assert_int_equal(fake_fw_log_find(&f, "loading=0"), 3);
	assert_int_equal(fake_fw_log_find(&f, "loading=-1"), -1);
	assert_int_equal(f.n_log, 4);
	assert_data_is_image(&f);
	/* one page per write: kernfs takes no more */
	assert_int_equal(f.largest_write, 4096);
	assert_int_equal(f.data_writes, 4);
	assert_true(res.install_usec > 0);
	fake_fw_done(&f);
}

static void test_short_writes_and_eintr(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;

	f.max_write = 1000;
	f.eintr_every = 3;
	assert_int_equal(stream(&f, NULL, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
	assert_data_is_image(&f);
	assert_true(f.largest_write <= 4096);
	assert_true(f.data_writes > 13); /* 13 accepted + the interrupted ones */
	fake_fw_done(&f);
}

static void test_write_error_aborts(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;
	struct tdx_diag d = {""};
	int close_at, abort_at;

	f.fail_write_at = 2;
	assert_int_equal(stream(&f, NULL, &res, &d), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_IO_ERROR);
	close_at = fake_fw_log_find(&f, "data-close");
	abort_at = fake_fw_log_find(&f, "loading=-1");
	assert_true(close_at > 0);
	assert_true(abort_at > close_at);
	assert_int_equal(fake_fw_log_find(&f, "loading=0"), -1); /* never committed */
	assert_int_equal(f.data_writes, 2);
	assert_non_null(strstr(d.msg, "offset 4096"));
	fake_fw_done(&f);
}

static void test_open_error_aborts(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;

	f.open_err = -EPERM;
	assert_int_equal(stream(&f, NULL, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_IO_ERROR);
	assert_true(fake_fw_log_find(&f, "loading=-1") > 0);
	assert_int_equal(fake_fw_log_find(&f, "loading=0"), -1);
	assert_int_equal(f.data_writes, 0);
}

static void test_loading0_busy(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;
	struct tdx_diag d = {""};

	f.loading0_err = -EBUSY;
	assert_int_equal(stream(&f, NULL, &res, &d), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_BUSY);
	assert_true(fake_fw_log_find(&f, "loading=-1") > fake_fw_log_find(&f, "loading=0"));
	assert_int_equal(res.polls, 0);
	assert_non_null(strstr(d.msg, "another firmware upload"));
	fake_fw_done(&f);
}

static void test_timeout(void **state)
{
	struct fake_fw f = {.status_after = {"transferring"}, .version = {1, 5, 6}};
	struct tdx_fwupload_opts o = {.timeout_usec = 10 * USEC_PER_MSEC};
	struct tdx_fwupload_result res;

	assert_int_equal(stream(&f, &o, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_TIMEOUT);
	assert_true(f.now >= o.timeout_usec);
	assert_true(f.now < o.timeout_usec + 1000); /* no sleep past the deadline */
	assert_int_equal(f.first_sleep, TDX_FWUPLOAD_DEFAULT_POLL_INITIAL_USEC);
	fake_fw_done(&f);
}

static void test_status_errors_keep_polling_until_timeout(void **state)
{
	struct fake_fw f = {.status_after = {"transferring"}, .version = {1, 5, 6}};
	struct tdx_fwupload_opts o = {.timeout_usec = 5 * USEC_PER_MSEC};
	struct tdx_fwupload_result res;
	struct tdx_diag d = {""};

	f.status_err_after = -EIO;
	assert_int_equal(tdx_fwupload_stream(&fake_fw_io, &f, img, sizeof(img), &o, &res, &d), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_TIMEOUT);
	assert_true(res.polls > 2);
	assert_non_null(strstr(d.msg, strerror(EIO)));
	fake_fw_done(&f);
}

static void test_backoff(void **state)
{
	struct fake_fw f = {.status_after = {"receiving", "preparing", "transferring",
					     "transferring", "transferring", "transferring",
					     "programming", "idle"},
			    .version = {1, 5, 8}};
	struct tdx_fwupload_opts o = {.poll_initial_usec = 250, .poll_max_usec = 2000};
	struct tdx_fwupload_result res;

	assert_int_equal(stream(&f, &o, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
	assert_int_equal(res.polls, 8);
	assert_int_equal(f.sleeps, 7);
	assert_int_equal(f.first_sleep, 250);
	assert_int_equal(f.max_sleep, 2000);
	/* 250 + 500 + 1000 + 2000 * 4 */
	assert_int_equal(f.now, 9750);
	assert_int_equal(res.install_usec, 9750);
	fake_fw_done(&f);
}

static void test_first_poll_interval_capped(void **state)
{
	struct fake_fw f = {.status_after = {"transferring", "idle"}, .version = {1, 5, 8}};
	struct tdx_fwupload_opts o = {.poll_initial_usec = USEC_PER_SEC};
	struct tdx_fwupload_result res;

	assert_int_equal(stream(&f, &o, &res, NULL), 0);
	assert_int_equal(f.first_sleep, USEC_PER_MSEC); /* never a one-second first sleep */
	fake_fw_done(&f);
}

static void test_error_busy_means_keep_polling(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;

	f.error_busy_reads = 2;
	assert_int_equal(stream(&f, NULL, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
	assert_int_equal(res.polls, 5);
	fake_fw_done(&f);
}

static void test_fatal_on_enxio_even_without_error(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;
	struct tdx_diag d = {""};

	f.version_err = -ENXIO;
	assert_int_equal(stream(&f, NULL, &res, &d), 0);
	assert_int_equal(res.error.code, TDX_FW_ERROR_NONE);
	assert_int_equal(res.outcome, TDX_OUTCOME_FATAL);
	assert_int_equal(res.version_after_err, -ENXIO);
	assert_false(res.version_after_known);
	assert_non_null(strstr(d.msg, "reboot"));
	fake_fw_done(&f);
}

static void test_fatal_on_enxio_with_error(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;

	f.version_err = -ENXIO;
	f.error = "transferring:device-busy\n";
	assert_int_equal(stream(&f, NULL, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_FATAL); /* whatever the error said */
	fake_fw_done(&f);
}

static void test_busy_on_device_busy(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;

	f.error = "transferring:device-busy\n";
	f.version = (struct tdx_version){1, 5, 6};
	assert_int_equal(stream(&f, NULL, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_BUSY);
	assert_int_equal(res.error.progress, TDX_FW_STATUS_TRANSFERRING);
	fake_fw_done(&f);
}

static void test_refused_keeps_unknown_error_verbatim(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;
	struct tdx_diag d = {""};

	f.error = "programming:brand-new-error\n";
	f.version = (struct tdx_version){1, 5, 6};
	assert_int_equal(stream(&f, NULL, &res, &d), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_REFUSED);
	assert_int_equal(res.error.code, TDX_FW_ERROR_UNKNOWN);
	assert_string_equal(res.error.raw, "programming:brand-new-error");
	assert_non_null(strstr(d.msg, "brand-new-error"));
	assert_non_null(strstr(d.msg, "1.5.06"));
	fake_fw_done(&f);
}

static void test_empty_image(void **state)
{
	struct fake_fw f = good_fake();
	struct tdx_fwupload_result res;

	assert_int_equal(tdx_fwupload_stream(&fake_fw_io, &f, img, 0, NULL, &res, NULL), -EINVAL);
	assert_false(fake_fw_touched(&f));
}

struct phases {
	enum tdx_upload_phase seen[64];
	size_t done[64];
	unsigned n;
};

static void record_phase(void *ud, enum tdx_upload_phase phase, size_t done, size_t total)
{
	struct phases *p = ud;

	assert_int_equal(total, IMG_SIZE);
	if (p->n < 64) {
		p->seen[p->n] = phase;
		p->done[p->n++] = done;
	}
}

static void test_progress(void **state)
{
	struct fake_fw f = good_fake();
	struct phases p = {.n = 0};
	struct tdx_fwupload_opts o = {.progress = record_phase, .progress_ud = &p};
	struct tdx_fwupload_result res;

	assert_int_equal(stream(&f, &o, &res, NULL), 0);
	assert_int_equal(p.n, 7); /* 0, 4 writes, installing, verifying */
	assert_int_equal(p.seen[0], TDX_PHASE_WRITING);
	assert_int_equal(p.done[0], 0);
	assert_int_equal(p.seen[4], TDX_PHASE_WRITING);
	assert_int_equal(p.done[4], IMG_SIZE);
	assert_int_equal(p.seen[5], TDX_PHASE_INSTALLING);
	assert_int_equal(p.seen[6], TDX_PHASE_VERIFYING);
	fake_fw_done(&f);
}

static void test_error_parse(void **state)
{
	static const struct {
		const char *s;
		int r;
		enum tdx_fw_status progress;
		enum tdx_fw_error code;
	} t[] = {
		{"", 0, TDX_FW_STATUS_IDLE, TDX_FW_ERROR_NONE},
		{"\n", 0, TDX_FW_STATUS_IDLE, TDX_FW_ERROR_NONE},
		{"preparing:hw-error\n", 0, TDX_FW_STATUS_PREPARING, TDX_FW_ERROR_HW_ERROR},
		{"transferring:timeout", 0, TDX_FW_STATUS_TRANSFERRING, TDX_FW_ERROR_TIMEOUT},
		{"receiving:user-abort", 0, TDX_FW_STATUS_RECEIVING, TDX_FW_ERROR_USER_ABORT},
		{"transferring:device-busy", 0, TDX_FW_STATUS_TRANSFERRING,
		 TDX_FW_ERROR_DEVICE_BUSY},
		{"preparing:invalid-file-size", 0, TDX_FW_STATUS_PREPARING,
		 TDX_FW_ERROR_INVALID_FILE_SIZE},
		{"transferring:read-write-error", 0, TDX_FW_STATUS_TRANSFERRING,
		 TDX_FW_ERROR_READ_WRITE_ERROR},
		{"programming:flash-wearout", 0, TDX_FW_STATUS_PROGRAMMING,
		 TDX_FW_ERROR_FLASH_WEAROUT},
		{"transferring:firmware-invalid\n", 0, TDX_FW_STATUS_TRANSFERRING,
		 TDX_FW_ERROR_FIRMWARE_INVALID},
		{"transferring:unknown-error", 0, TDX_FW_STATUS_TRANSFERRING, TDX_FW_ERROR_UNKNOWN},
		{"weird:hw-error", 0, TDX_FW_STATUS_UNKNOWN, TDX_FW_ERROR_HW_ERROR},
		{"transferring:hw-error-x", 0, TDX_FW_STATUS_TRANSFERRING, TDX_FW_ERROR_UNKNOWN},
		{"transferring:", 0, TDX_FW_STATUS_TRANSFERRING, TDX_FW_ERROR_UNKNOWN},
		{"no colon here", -EINVAL, TDX_FW_STATUS_UNKNOWN, TDX_FW_ERROR_UNKNOWN},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct tdx_fw_error_info info;
		size_t len = strlen(t[i].s);

		assert_int_equal(tdx_fw_error_parse(t[i].s, &info), t[i].r);
		assert_int_equal(info.progress, t[i].progress);
		assert_int_equal(info.code, t[i].code);
		if (len && t[i].s[len - 1] == '\n')
			len--;
		assert_int_equal(strlen(info.raw), len);
		assert_memory_equal(info.raw, t[i].s, len);
	}
}

static void test_strings(void **state)
{
	assert_int_equal(tdx_fw_status_from_string("idle"), TDX_FW_STATUS_IDLE);
	assert_int_equal(tdx_fw_status_from_string("programming"), TDX_FW_STATUS_PROGRAMMING);
	assert_int_equal(tdx_fw_status_from_string("idle\n"), TDX_FW_STATUS_UNKNOWN);
	assert_int_equal(tdx_fw_status_from_string("unknown-status"), TDX_FW_STATUS_UNKNOWN);
	assert_int_equal(tdx_fw_status_from_string(""), TDX_FW_STATUS_UNKNOWN);
	assert_string_equal(tdx_fw_status_to_string(TDX_FW_STATUS_TRANSFERRING), "transferring");
	assert_string_equal(tdx_fw_error_to_string(TDX_FW_ERROR_FIRMWARE_INVALID),
			    "firmware-invalid");
	assert_string_equal(tdx_update_outcome_to_string(TDX_OUTCOME_FATAL), "fatal");
	assert_string_equal(tdx_update_outcome_to_string(TDX_OUTCOME_IO_ERROR), "io-error");
	assert_null(tdx_update_outcome_to_string((enum tdx_update_outcome)42));
}

/* The real I/O over a fixture directory: plain files stand in for the attributes. */
static void test_sysfs_io_on_fixture(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_MAINLINE, .version = "1.5.06"};
	_cleanup_free_ char *root = NULL, *dir = NULL, *ver = NULL, *data = NULL, *loading = NULL;
	_cleanup_free_ uint8_t *written = NULL;
	struct tdx_fwupload_sysfs s = {.data_fd = -EBADF};
	struct tdx_fwupload_result res;
	enum tdx_fw_status st = TDX_FW_STATUS_UNKNOWN;
	_cleanup_free_ char *l = NULL;
	size_t n = 0;

	assert_int_equal(fixture_create(&spec, &root), 0);
	dir = tdx_path_join(root, fixture_fwupload_rel(spec.layout), NULL);
	ver = tdx_path_join(root, FIXTURE_VERSION, NULL);
	data = tdx_path_join(dir, "data", NULL);
	loading = tdx_path_join(dir, "loading", NULL);
	s.fwupload_dir = dir;
	s.version_path = ver;

	assert_int_equal(tdx_fwupload_read_status(dir, &st), 0);
	assert_int_equal(st, TDX_FW_STATUS_IDLE);
	assert_int_equal(
		tdx_fwupload_stream(&tdx_fwupload_io_sysfs, &s, img, sizeof(img), NULL, &res, NULL),
		0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
	assert_int_equal(res.version_after.update, 6);
	assert_int_equal(s.data_fd, -EBADF);
	assert_int_equal(tdx_file_read_all(data, 1 << 20, &written, &n, NULL), 0);
	assert_int_equal(n, sizeof(img));
	assert_memory_equal(written, img, sizeof(img));
	assert_int_equal(tdx_sysfs_read(loading, &l), 0);
	assert_string_equal(l, "0");

	assert_int_equal(fixture_make_enxio(root, FIXTURE_VERSION), 0);
	assert_int_equal(tdx_fwupload_io_sysfs.read_version(&s, &res.version_after), -ENXIO);
	fixture_destroy(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_idle_writes_nothing),
		cmocka_unit_test(test_status_unreadable_writes_nothing),
		cmocka_unit_test(test_success_sequence),
		cmocka_unit_test(test_short_writes_and_eintr),
		cmocka_unit_test(test_write_error_aborts),
		cmocka_unit_test(test_open_error_aborts),
		cmocka_unit_test(test_loading0_busy),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_status_errors_keep_polling_until_timeout),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_first_poll_interval_capped),
		cmocka_unit_test(test_error_busy_means_keep_polling),
		cmocka_unit_test(test_fatal_on_enxio_even_without_error),
		cmocka_unit_test(test_fatal_on_enxio_with_error),
		cmocka_unit_test(test_busy_on_device_busy),
		cmocka_unit_test(test_refused_keeps_unknown_error_verbatim),
		cmocka_unit_test(test_empty_image),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_error_parse),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_sysfs_io_on_fixture),
	};

	return cmocka_run_group_tests(tests, setup_img, NULL);
}
