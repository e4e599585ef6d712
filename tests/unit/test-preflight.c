// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include <tdx/host.h>
#include <tdx/macro.h>
#include <tdx/preflight.h>
#include "src/lib/image-layout.h"
#include <tdx/store.h>
#include <tdx/sysfs.h>

struct probed {
	char *root;
	struct tdx_host *host;
};

static struct probed probe(const struct fixture_spec *spec)
{
	struct probed p = {0};

	assert_int_equal(fixture_create(spec, &p.root), 0);
	assert_int_equal(tdx_host_probe(p.root, &p.host), 0);
	return p;
}

static void probed_done(struct probed *p)
{
	tdx_host_free(p->host);
	fixture_destroy(p->root);
	free(p->root);
}

static void assert_msg(const struct tdx_check_result *r, const char *part)
{
	assert_true(r->ran);
	if (!strstr(r->msg, part))
		fail_msg("\"%s\" not in \"%s\"", part, r->msg);
}

static void test_names(void **state)
{
	assert_string_equal(tdx_check_to_string(TDX_CHECK_CPUS_ONLINE), "cpus_online");
	assert_string_equal(tdx_check_to_string(TDX_CHECK_UPDATES_LEFT), "updates_left");
	for (unsigned i = 0; i < TDX_CHECK_COUNT; i++) {
		const char *s = tdx_check_to_string((enum tdx_check)i);

		assert_non_null(s);
		assert_null(strpbrk(s, " -ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
	}
	assert_null(tdx_check_to_string(TDX_CHECK_COUNT));
}

static void test_passed_and_first_failure(void **state)
{
	struct tdx_preflight p;

	tdx_preflight_init(&p);
	assert_false(tdx_preflight_passed(&p)); /* nothing ran: nothing was proven */
	assert_int_equal(tdx_preflight_first_failure(&p), TDX_CHECK_COUNT);
	p.checks[TDX_CHECK_LOCK] = (struct tdx_check_result){.ran = true, .passed = true};
	assert_true(tdx_preflight_passed(&p));
	p.checks[TDX_CHECK_IMAGE] = (struct tdx_check_result){.ran = true, .err = -EBADMSG};
	p.checks[TDX_CHECK_CPUS_ONLINE] = (struct tdx_check_result){.ran = true, .err = -EBUSY};
	assert_false(tdx_preflight_passed(&p));
	assert_int_equal(tdx_preflight_first_failure(&p), TDX_CHECK_CPUS_ONLINE);
}

static void test_module_running(void **state)
{
	struct fixture_spec ok = {.layout = TDX_ABI_MAINLINE, .version = "1.5.06"};
	struct fixture_spec lost = {.layout = TDX_ABI_MAINLINE, .lost = true};
	struct fixture_spec junk = {.layout = TDX_ABI_MAINLINE, .version = "garbage"};
	struct fixture_spec none = {.layout = TDX_ABI_UNKNOWN};
	struct probed a = probe(&ok), b = probe(&lost), c = probe(&junk), d = probe(&none);
	struct tdx_check_result r;

	assert_int_equal(tdx_check_module_running(a.host, &r), 0);
	assert_true(r.passed);
	assert_msg(&r, "1.5.06");
	assert_int_equal(tdx_check_module_running(b.host, &r), -ENXIO);
	assert_false(r.passed);
	assert_msg(&r, "reboot");
	assert_int_equal(tdx_check_module_running(c.host, &r), -EINVAL);
	assert_msg(&r, "unreadable");
	assert_int_equal(tdx_check_module_running(d.host, &r), -ENODEV);
	assert_msg(&r, "not a TDX host");
	probed_done(&a);
	probed_done(&b);
	probed_done(&c);
	probed_done(&d);
}

static void test_update_supported(void **state)
{
	struct fixture_spec ok = {.layout = TDX_ABI_SEAMLDR_UPLOAD};
	struct fixture_spec hidden = {.layout = TDX_ABI_MAINLINE, .hidden = true};
	struct probed a = probe(&ok), b = probe(&hidden);
	struct tdx_check_result r;

	assert_int_equal(tdx_check_update_supported(a.host, &r), 0);
	assert_msg(&r, "seamldr-upload");
	assert_msg(&r, "0x100");
	assert_int_equal(tdx_check_update_supported(b.host, &r), -EOPNOTSUPP);
	assert_msg(&r, "seamret_invd_vmcs");
	probed_done(&a);
	probed_done(&b);
}

static void test_cpus_online(void **state)
{
	struct fixture_spec spec = {
		.layout = TDX_ABI_MAINLINE, .cpu_online = "0,2-3", .cpu_present = "0-3"};
	struct probed a = probe(&spec);
	struct tdx_check_result r;

	assert_int_equal(tdx_check_cpus_online(a.host, &r), -EBUSY);
	assert_false(r.passed);
	assert_msg(&r, "\"0,2-3\"");
	assert_msg(&r, "\"0-3\"");
	assert_int_equal(fixture_write(a.root, FIXTURE_CPU_ONLINE, "0-3\n"), 0);
	assert_int_equal(tdx_check_cpus_online(a.host, &r), 0);
	assert_true(r.passed);
	assert_msg(&r, "4 of 4 CPUs online");
	assert_int_equal(unlink(a.host->paths.cpu_present), 0);
	assert_int_equal(tdx_check_cpus_online(a.host, &r), -ENOENT);
	assert_false(r.passed);
	probed_done(&a);
}

static void test_updates_left(void **state)
{
	struct tdx_host h = {.num_remaining_updates = 3};
	struct tdx_check_result r;

	assert_int_equal(tdx_check_updates_left(&h, 1, &r), 0);
	assert_msg(&r, "3 updates left");
	assert_int_equal(tdx_check_updates_left(&h, 3, &r), -ENOSPC);
	assert_msg(&r, "reserve of 3");
	h.num_remaining_updates = 0;
	assert_int_equal(tdx_check_updates_left(&h, 0, &r), -ENOSPC);
	assert_msg(&r, "kill every TD");
	h.remaining_err = -EACCES;
	assert_int_equal(tdx_check_updates_left(&h, 0, &r), -EACCES);
	assert_msg(&r, "unreadable");
}

static void test_fwupload_idle_sysfs(void **state)
{
	struct fixture_spec spec = {.layout = TDX_ABI_MAINLINE};
	struct probed a = probe(&spec);
	struct tdx_fwupload_sysfs s = {.fwupload_dir = a.host->paths.fwupload_dir,
				       .version_path = a.host->paths.version,
				       .data_fd = -EBADF};
	struct tdx_check_result r;
	char rel[256];

	assert_int_equal(tdx_check_fwupload_idle(&tdx_fwupload_io_sysfs, &s, &r), 0);
	snprintf(rel, sizeof(rel), "%s/status", fixture_fwupload_rel(spec.layout));
	assert_int_equal(fixture_write(a.root, rel, "transferring\n"), 0);
	assert_int_equal(tdx_check_fwupload_idle(&tdx_fwupload_io_sysfs, &s, &r), -EBUSY);
	assert_msg(&r, "\"transferring\"");
	assert_int_equal(fixture_write(a.root, rel, "unknown-status\n"), 0);
	assert_int_equal(tdx_check_fwupload_idle(&tdx_fwupload_io_sysfs, &s, &r), -EBUSY);
	probed_done(&a);
}

static void test_lock(void **state)
{
	struct tdx_check_result r;

	assert_int_equal(tdx_check_lock(-EWOULDBLOCK, "/run/tdxctl/update.lock", &r), -EWOULDBLOCK);
	assert_msg(&r, "another update is in progress");
	assert_msg(&r, "/run/tdxctl/update.lock");
	assert_int_equal(tdx_check_lock(-EROFS, "/x", &r), -EROFS);
	assert_msg(&r, "cannot take");
	assert_int_equal(tdx_check_lock(0, "/x", &r), 0);
	assert_true(r.passed);
}

static int veto_yes(void *ud, const struct tdx_store_entry *e, struct tdx_diag *d)
{
	return tdx_diag_set(d, -EBUSY, "inhibited by qemu-42 (building TD)");
}

static int veto_positive(void *ud, const struct tdx_store_entry *e, struct tdx_diag *d)
{
	return 1;
}

static void test_veto(void **state)
{
	struct tdx_store_entry e = {.version = {1, 5, 8}};
	struct tdx_check_result r;

	assert_int_equal(tdx_check_veto(NULL, NULL, &e, &r), 0);
	assert_true(r.passed);
	assert_int_equal(tdx_check_veto(veto_yes, NULL, &e, &r), -EBUSY);
	assert_msg(&r, "qemu-42");
	assert_int_equal(tdx_check_veto(veto_positive, NULL, &e, &r), -ECANCELED);
	assert_false(r.passed);
	assert_msg(&r, "no reason given");
}

static void test_image_no_format(void **state)
{
	struct tdx_store_entry e = {.version = {1, 5, 8}};
	struct tdx_check_result r;
	uint8_t *data = (uint8_t *)0x1;
	struct tdx_image img;
	size_t size = 7;
	bool conv = true;

	assert_int_equal(
		tdx_check_image(&e, TDX_IMAGE_FORMAT_INVALID, &data, &size, &img, &conv, &r),
		-EOPNOTSUPP);
	assert_ptr_equal(data, (uint8_t *)0x1);
	assert_int_equal(size, 7);
	assert_int_equal(tdx_check_image(&e, TDX_IMAGE_FORMAT_V2, &data, &size, &img, &conv, &r),
			 -ENOENT);
	assert_msg(&r, "1.5.08");
	assert_msg(&r, "0x200");
}

/* The check of its own in the list: untrusted, bad, not checked, and passed. */
static void test_signature(void **state)
{
	struct tdx_check_result r = {0};
	struct tdx_trusted_keys keys;
	struct tdx_image img = {0};
	uint8_t *sig;
	size_t size;

	assert_int_equal(tdx_check_signature(NULL, NULL, &r), -ENODATA);
	assert_true(r.ran);
	assert_false(r.passed);
	assert_msg(&r, "not checked");
	assert_int_equal(tdx_file_read_all(TEST_DATA_DIR
					   "/intel-sigstructs/tdx_module_2.0.08.sigstruct",
					   4096, &sig, &size, NULL),
			 0);
	assert_int_equal(tdx_sigstruct_parse(sig, size, &img.sig, NULL), 0);
	assert_int_equal(tdx_check_signature(&img, NULL, &r), 0);
	assert_true(r.passed);
	assert_msg(&r, "signed by trusted key " TDX_INTEL_PRODUCTION_KEY_SHA256);
	assert_int_equal(tdx_trusted_keys_parse("0000000000000000000000000000000000000000000000000"
						"000000000000000",
						&keys, NULL),
			 0);
	assert_int_equal(tdx_check_signature(&img, &keys, &r), -EKEYREJECTED);
	assert_msg(&r, "is not trusted");
	sig[SIG_OFF_SEAMHASH] ^= 1;
	assert_int_equal(tdx_sigstruct_parse(sig, size, &img.sig, NULL), 0);
	assert_int_equal(tdx_check_signature(&img, NULL, &r), -EBADMSG);
	assert_msg(&r, "does not verify");
	free(sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_passed_and_first_failure),
		cmocka_unit_test(test_module_running),
		cmocka_unit_test(test_update_supported),
		cmocka_unit_test(test_cpus_online),
		cmocka_unit_test(test_updates_left),
		cmocka_unit_test(test_fwupload_idle_sysfs),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_veto),
		cmocka_unit_test(test_image_no_format),
		cmocka_unit_test(test_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
