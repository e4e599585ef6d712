// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The safety invariants of an update, end to end over a fixture sysfs tree,
 * a synthetic module store and the scripted fw_upload (whose on_install
 * plays the kernel by editing the fixture).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include <tdx/hash.h>
#include <tdx/inhibit-keys.h>
#include <tdx/lock.h>
#include <tdx/macro.h>
#include "src/lib/image-layout.h"
#include "synth.h"
#include <tdx/sysfs.h>
#include <tdx/update.h>

struct env {
	struct fixture_spec spec;
	enum tdx_image_format store_format;
	char *root;
	char store_root[64];
	char lock_path[128];
	struct tdx_store *store;
	struct tdx_host *host;
	struct fake_fw fw;
	struct tdx_update_ctx ctx;
	struct tdx_trusted_keys trusted_keys; /* the test signing key */
	/* the "kernel": what loading=0 does to the fixture */
	const char *install_to[2]; /* version after the 1st, 2nd, ... install; NULL leaves it */
	unsigned installs;
	bool install_lost;
	bool install_slot; /* num_remaining_updates drops by one */
	unsigned vetoes;   /* times the veto was asked */
	int veto_err;
	bool veto_corrupts_store; /* the veto rewrites the image file on disk */
};

static const struct synth_module_spec specs[] = {
	{.version = {1, 5, 6}},
	{.version = {1, 5, 8}},
	{.version = {1, 5, 10}},
};

static void kernel_install(struct fake_fw *f, void *ud)
{
	struct env *e = ud;
	_cleanup_(tdx_host_freep) struct tdx_host *now = NULL;
	const char *to = e->install_to[e->installs < 2 ? e->installs : 1];
	char buf[16];

	e->installs++;
	if (e->install_slot) {
		assert_int_equal(tdx_host_probe(e->root, &now), 0);
		snprintf(buf, sizeof(buf), "%u\n", now->num_remaining_updates - 1);
		assert_int_equal(fixture_write(e->root, fixture_remaining_rel(e->spec.layout), buf),
				 0);
	}
	if (e->install_lost)
		assert_int_equal(fixture_make_enxio(e->root, FIXTURE_VERSION), 0);
	else if (to)
		assert_int_equal(fixture_write(e->root, FIXTURE_VERSION, to), 0);
}

static int veto(void *ud, const struct tdx_store_entry *entry, struct tdx_diag *diag)
{
	struct env *e = ud;

	e->vetoes++;
	if (e->veto_corrupts_store) {
		/* after validation: a re-read would now see other bytes */
		_cleanup_close_ int fd = open(entry->blob_path, O_WRONLY | O_CLOEXEC);
		static const uint8_t junk[64] = {0xde, 0xad};

		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, junk, sizeof(junk), 4096 * 2), sizeof(junk));
	}
	if (e->veto_err)
		return tdx_diag_set(diag, e->veto_err, "a TD is being built");
	return 0;
}

/* Builds everything from e->spec; call after adjusting it. */
static void env_start(struct env *e)
{
	char tmpl[] = "/tmp/tdxst-XXXXXX";

	assert_int_equal(fixture_create(&e->spec, &e->root), 0);
	assert_non_null(mkdtemp(tmpl));
	snprintf(e->store_root, sizeof(e->store_root), "%s", tmpl);
	assert_int_equal(synth_store_write(e->store_root, NULL, specs, ELEMENTSOF(specs),
					   e->store_format ? e->store_format : TDX_IMAGE_FORMAT_V2,
					   SYNTH_STORE_JOINED),
			 0);
	assert_int_equal(tdx_store_scan(e->store_root, &e->store, NULL), 0);
	assert_int_equal(tdx_host_probe(e->root, &e->host), 0);
	snprintf(e->lock_path, sizeof(e->lock_path), "%s/run/update.lock", e->root);

	e->fw.version_path = e->host->paths.version;
	e->fw.on_install = kernel_install;
	e->fw.install_ud = e;
	assert_int_equal(synth_trusted_keys(&e->trusted_keys), 0);
	e->ctx = (struct tdx_update_ctx){
		.host = e->host,
		.store = e->store,
		.policy = {.trusted_keys = &e->trusted_keys},
		.reserve = TDX_DEFAULT_RESERVE,
		.lock_path = e->lock_path,
		.veto = veto,
		.veto_ud = e,
		.io = &fake_fw_io,
		.io_ud = &e->fw,
	};
	assert_int_equal(tdx_update_ctx_init_policy_host(&e->ctx, SYNTH_CPU_SPR), 0);
}

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->spec = (struct fixture_spec){.layout = TDX_ABI_MAINLINE, .version = "1.5.06"};
	e->install_to[0] = "1.5.08\n";
	e->install_to[1] = "1.5.10\n";
	e->install_slot = true;
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	fake_fw_done(&e->fw);
	tdx_host_free(e->host);
	tdx_store_free(e->store);
	fixture_destroy(e->root);
	fixture_destroy(e->store_root[0] ? e->store_root : NULL);
	free(e->root);
	free(e);
	return 0;
}

static struct tdx_store_entry *entry(struct env *e, uint32_t update)
{
	struct tdx_version v = {1, 5, update};
	struct tdx_store_entry *x = tdx_store_find(e->store, &v);

	assert_non_null(x);
	return x;
}

/* The image as the store validates it for format want. */
static void load(struct env *e, uint32_t update, enum tdx_image_format want, uint8_t **data,
		 size_t *size)
{
	struct tdx_image img;
	bool conv;

	assert_int_equal(tdx_store_entry_peek(entry(e, update), NULL), 0);
	assert_int_equal(
		tdx_store_entry_load_image(entry(e, update), want, data, size, &img, &conv, NULL),
		0);
}

static void test_success(void **state)
{
	struct env *e = *state;
	_cleanup_free_ uint8_t *want = NULL;
	struct tdx_hop_result res;
	struct tdx_diag d = {""};
	uint8_t sha[TDX_SHA256_SIZE];
	struct tdx_image img;
	size_t size;

	env_start(e);
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), false, &res, &d), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
	assert_true(res.attempted);
	assert_true(tdx_preflight_passed(&res.preflight));
	assert_int_equal(res.from.update, 6);
	assert_int_equal(res.to.update, 8);
	assert_int_equal(res.remaining_before, 10);
	assert_true(res.remaining_after_known);
	assert_int_equal(res.remaining_after, 9);
	assert_false(res.converted);
	assert_int_equal(res.format, TDX_IMAGE_FORMAT_V2);
	assert_int_equal(e->host->module_version.update, 8);
	assert_int_equal(e->ctx.policy_host.running.update, 8);
	assert_non_null(strstr(d.msg, "1.5.08 installed"));

	/* the bytes written are the validated image, and what the result names */
	load(e, 8, TDX_IMAGE_FORMAT_V2, &want, &size);
	assert_int_equal(e->fw.data_size, size);
	assert_memory_equal(e->fw.data, want, size);
	assert_int_equal(tdx_sha256(want, size, sha), 0);
	assert_memory_equal(res.image_sha256, sha, sizeof(sha));
	assert_int_equal(tdx_image_parse(want, size, &img, NULL), 0);
	assert_memory_equal(res.seamhash, img.sig.seamhash, TDX_SEAMHASH_SIZE);
	assert_int_equal(res.seam_svn, img.sig.seam_svn);
	assert_int_equal(res.build_date, img.sig.date);
	assert_int_equal(e->vetoes, 1);
}

static void test_converts_for_mainline(void **state)
{
	struct env *e = *state;
	_cleanup_free_ uint8_t *want = NULL;
	struct tdx_hop_result res;
	size_t size;

	e->store_format = TDX_IMAGE_FORMAT_V1;
	env_start(e);
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), false, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
	assert_true(res.converted);
	assert_int_equal(res.format, TDX_IMAGE_FORMAT_V2);
	load(e, 8, TDX_IMAGE_FORMAT_V2, &want, &size);
	assert_int_equal(e->fw.data_size, size);
	assert_memory_equal(e->fw.data, want, size);
	assert_int_equal(e->fw.data[0], 0x00); /* u16 version 0x200, little endian */
	assert_int_equal(e->fw.data[1], 0x02);
}

static void test_old_layout_gets_v1(void **state)
{
	struct env *e = *state;
	struct tdx_hop_result res;

	e->spec.layout = TDX_ABI_SEAMLDR_DIR;
	env_start(e);
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), false, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
	assert_true(res.converted);
	assert_int_equal(res.format, TDX_IMAGE_FORMAT_V1);
	assert_int_equal(e->fw.data[1], 0x01);
}

/* The bytes validated are the bytes written, even if the file changes afterwards. */
static void test_never_rereads_the_file(void **state)
{
	struct env *e = *state;
	_cleanup_free_ uint8_t *before = NULL, *after = NULL;
	struct tdx_hop_result res;
	size_t size, size2;

	env_start(e);
	load(e, 8, TDX_IMAGE_FORMAT_V2, &before, &size);
	e->veto_corrupts_store = true;
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), false, &res, NULL), 0);
	assert_int_equal(e->vetoes, 1);
	assert_int_equal(e->fw.data_size, size);
	assert_memory_equal(e->fw.data, before, size);
	/* the file really changed: a re-read would have been caught */
	assert_int_equal(tdx_file_read_all(entry(e, 8)->blob_path, 1 << 24, &after, &size2, NULL),
			 0);
	assert_memory_not_equal(after, before, size);
}

/* Runs a hop expected to fail pre-flight at check c; nothing may reach fw_upload. */
static void expect_refused(struct env *e, uint32_t update, enum tdx_check c, int err,
			   const char *msg_part)
{
	struct tdx_hop_result res;
	struct tdx_diag d = {""};

	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, update), false, &res, &d), err);
	assert_false(fake_fw_touched(&e->fw));
	assert_int_equal(e->fw.data_size, 0);
	assert_false(res.attempted);
	assert_false(tdx_preflight_passed(&res.preflight));
	assert_int_equal(tdx_preflight_first_failure(&res.preflight), c);
	assert_false(res.preflight.checks[c].passed);
	assert_int_equal(res.preflight.checks[c].err, err);
	if (msg_part) {
		if (!strstr(res.preflight.checks[c].msg, msg_part))
			fail_msg("\"%s\" not in \"%s\"", msg_part, res.preflight.checks[c].msg);
		assert_non_null(strstr(d.msg, msg_part));
	}
	assert_non_null(strstr(d.msg, tdx_check_to_string(c)));
	/* every other check ran too: the report is complete */
	for (unsigned i = 0; i < TDX_CHECK_VETO; i++)
		assert_true(res.preflight.checks[i].ran);
	/* hooks never hear about an update that cannot happen */
	if (c != TDX_CHECK_VETO)
		assert_int_equal(e->vetoes, 0);
}

static void test_refused_module_lost(void **state)
{
	struct env *e = *state;

	e->spec.lost = true;
	env_start(e);
	expect_refused(e, 8, TDX_CHECK_MODULE_RUNNING, -ENXIO, "lost");
}

static void test_refused_not_a_host(void **state)
{
	struct env *e = *state;

	e->spec.layout = TDX_ABI_UNKNOWN;
	env_start(e);
	expect_refused(e, 8, TDX_CHECK_MODULE_RUNNING, -ENODEV, "no tdx_host");
	assert_int_equal(e->ctx.host->update_support, TDX_UPDATE_UNSUPPORTED_NO_HOST);
}

static void test_refused_hidden(void **state)
{
	struct env *e = *state;

	e->spec.hidden = true;
	env_start(e);
	expect_refused(e, 8, TDX_CHECK_UPDATE_SUPPORTED, -EOPNOTSUPP, "hides");
}

static void test_refused_no_fwupload(void **state)
{
	struct env *e = *state;

	e->spec.no_fwupload = true;
	env_start(e);
	expect_refused(e, 8, TDX_CHECK_UPDATE_SUPPORTED, -EOPNOTSUPP, "fw_upload");
}

static void test_refused_no_fwupload_real_io(void **state)
{
	struct env *e = *state;
	struct tdx_hop_result res;

	e->spec.no_fwupload = true;
	env_start(e);
	e->ctx.io = NULL; /* the sysfs I/O has no directory to use */
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), false, &res, NULL), -EOPNOTSUPP);
	assert_false(res.preflight.checks[TDX_CHECK_FWUPLOAD_IDLE].passed);
	assert_false(res.attempted);
}

static void test_refused_cpu_offline(void **state)
{
	struct env *e = *state;

	e->spec.cpu_online = "0";
	e->spec.cpu_present = "0-1";
	env_start(e);
	expect_refused(e, 8, TDX_CHECK_CPUS_ONLINE, -EBUSY, "online \"0\" but present \"0-1\"");
}

static void test_refused_zero_remaining(void **state)
{
	struct env *e = *state;

	e->spec.remaining = "0";
	env_start(e);
	e->ctx.reserve = 0; /* even without a reserve */
	expect_refused(e, 8, TDX_CHECK_UPDATES_LEFT, -ENOSPC, "kill every TD");
}

static void test_refused_reserve(void **state)
{
	struct env *e = *state;

	e->spec.remaining = "1";
	env_start(e);
	expect_refused(e, 8, TDX_CHECK_UPDATES_LEFT, -ENOSPC, "reserve of 1");
}

static void test_refused_not_idle(void **state)
{
	struct env *e = *state;

	env_start(e);
	e->fw.status_before = "programming";
	expect_refused(e, 8, TDX_CHECK_FWUPLOAD_IDLE, -EBUSY, "programming");
}

static void test_refused_lock_held(void **state)
{
	struct env *e = *state;
	_cleanup_close_ int fd = -EBADF;

	env_start(e);
	assert_int_equal(tdx_lock_acquire(e->lock_path, false, &fd), 0);
	expect_refused(e, 8, TDX_CHECK_LOCK, -EWOULDBLOCK, "another update is in progress");
}

static void test_refused_policy(void **state)
{
	struct env *e = *state;

	env_start(e);
	e->ctx.policy_host.cpu_signature = SYNTH_CPU_GNR; /* not in the 1.x cpuid table */
	expect_refused(e, 8, TDX_CHECK_POLICY, -EPERM, tdx_reason_describe(TDX_REASON_CPU));
}

static void test_refused_policy_uses_version_under_lock(void **state)
{
	struct env *e = *state;

	env_start(e);
	/* someone else updated to 1.5.10 since the caller probed: 1.5.08 is now a downgrade */
	assert_int_equal(fixture_write(e->root, FIXTURE_VERSION, "1.5.10\n"), 0);
	expect_refused(e, 8, TDX_CHECK_POLICY, -EPERM, tdx_reason_describe(TDX_REASON_DOWNGRADE));
}

static void test_refused_image(void **state)
{
	struct env *e = *state;
	_cleanup_close_ int fd = -EBADF;
	static const uint8_t junk[16] = {1, 2, 3};

	env_start(e);
	/* corrupt the module part: checksum and seamhash no longer match */
	fd = open(entry(e, 8)->blob_path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 4096 * 2 + 100), sizeof(junk));
	expect_refused(e, 8, TDX_CHECK_IMAGE, -EBADMSG, "image invalid");
}

/*
 * A signed sigstruct byte changed on disk after the policy read the sigstruct,
 * checksum re-fixed: only the signature check of the loaded bytes catches it.
 */
/*
 * The policy has verified the signature it read (the cached verdict is
 * valid); then one byte at sigstruct offset off of the image on disk flips,
 * with the image's checksum mended so that only the sigstruct tells.
 */
static void flip_after_verify(struct env *e, size_t off)
{
	struct tdx_store_entry *en;
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;

	env_start(e);
	en = entry(e, 8);
	assert_int_equal(tdx_store_entry_verify(en, NULL), 0);
	assert_int_equal(en->sig.signature.status, TDX_SIGNATURE_VALID);
	assert_int_equal(tdx_file_read_all(en->blob_path, TDX_IMAGE_MAX_SIZE, &data, &size, NULL),
			 0);
	data[TDX_SIGSTRUCT_OFFSET + off] ^= 0x01;
	put_le16(data + IMG_OFF_CHECKSUM, 0);
	put_le16(data + IMG_OFF_CHECKSUM, (uint16_t)(0x10000u - tdx_checksum16(data, size)));
	assert_int_equal(tdx_file_write_atomic(en->blob_path, data, size, 0644), 0);
}

/* The signature is checked on the bytes loaded, not trusted from the verdict cached. */
static void test_refused_signature(void **state)
{
	struct env *e = *state;

	flip_after_verify(e, SIG_OFF_SIGNATURE + 7);
	expect_refused(e, 8, TDX_CHECK_SIGNATURE, -EBADMSG, "signature does not verify");
}

/* A field the policy judged (the date) differs in the image loaded: refused as changed. */
static void test_refused_changed_after_check(void **state)
{
	struct env *e = *state;

	flip_after_verify(e, SIG_OFF_DATE);
	expect_refused(e, 8, TDX_CHECK_IMAGE, -ESTALE, "changed on disk since it was checked");
}

/* Signed by the test key, but only Intel's key is trusted. */
static void test_refused_untrusted_key(void **state)
{
	struct env *e = *state;

	env_start(e);
	e->ctx.policy.trusted_keys = NULL;
	expect_refused(e, 8, TDX_CHECK_POLICY, -EPERM,
		       tdx_reason_describe(TDX_REASON_UNTRUSTED_KEY));
}

static void test_refused_veto(void **state)
{
	struct env *e = *state;

	env_start(e);
	e->veto_err = -EBUSY;
	expect_refused(e, 8, TDX_CHECK_VETO, -EBUSY, "a TD is being built");
	assert_int_equal(e->vetoes, 1);
}

/* An inhibitor taken outside tdxd (or by tdxd) stops every path, --direct included. */
static void test_refused_inhibitor_file(void **state)
{
	struct env *e = *state;
	_cleanup_close_ int fd = -EBADF;

	env_start(e);
	assert_int_equal(tdx_inhibit_hold(e->lock_path, &fd, NULL), 0);
	expect_refused(e, 8, TDX_CHECK_VETO, -EBUSY, "an inhibitor is held");
	/* the callback ran first (tdxd waits there for its own inhibitors) */
	assert_int_equal(e->vetoes, 1);
}

/* A named key (the libvirt hook's) stops every path, and the hop left no block behind. */
static void test_refused_held_key(void **state)
{
	struct env *e = *state;
	struct tdx_inhibit_hold_req req = {.key = "libvirt:0b6c",
					   .who = "libvirt",
					   .why = "TD build",
					   .ttl_usec = 600 * USEC_PER_SEC,
					   .max_ttl_usec = 3600 * USEC_PER_SEC};
	struct tdx_inhibit_key k;
	struct tdx_hop_result res;
	_cleanup_close_ int fd = -EBADF;

	env_start(e);
	assert_int_equal(tdx_inhibit_key_hold(e->lock_path, &req, NULL, &k, NULL), 0);
	expect_refused(e, 8, TDX_CHECK_VETO, -EBUSY, "key libvirt:0b6c held by libvirt for 10m");
	/* the refusal released the exclusive hold: inhibitors are granted again */
	assert_int_equal(tdx_inhibit_hold(e->lock_path, &fd, NULL), 0);
	fd = safe_close(fd);
	assert_int_equal(tdx_inhibit_key_release(e->lock_path, "libvirt:0b6c", NULL), 1);
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), false, &res, NULL), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_SUCCESS);
}

static void test_dry_run_writes_nothing(void **state)
{
	struct env *e = *state;
	struct tdx_hop_result res;

	env_start(e);
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), true, &res, NULL), 0);
	assert_true(tdx_preflight_passed(&res.preflight));
	assert_false(res.attempted);
	assert_false(fake_fw_touched(&e->fw));
	assert_int_equal(res.format, TDX_IMAGE_FORMAT_V2);
	assert_int_equal(e->host->module_version.update, 6);
}

static void test_no_error_but_unchanged_is_refused(void **state)
{
	struct env *e = *state;
	struct tdx_hop_result res;
	struct tdx_diag d = {""};

	e->install_to[0] = e->install_to[1] = NULL;
	e->install_slot = false;
	env_start(e);
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), false, &res, &d), 0);
	assert_true(res.attempted);
	assert_int_equal(res.fw.outcome, TDX_OUTCOME_SUCCESS); /* what the kernel said */
	assert_int_equal(res.outcome, TDX_OUTCOME_REFUSED);    /* what we verified */
	assert_non_null(strstr(d.msg, "still 1.5.06"));
	assert_int_equal(res.remaining_after, 10);
}

static void test_fatal(void **state)
{
	struct env *e = *state;
	struct tdx_hop_result res;
	struct tdx_diag d = {""};

	e->install_lost = true;
	env_start(e);
	assert_int_equal(tdx_update_run_hop(&e->ctx, entry(e, 8), false, &res, &d), 0);
	assert_int_equal(res.outcome, TDX_OUTCOME_FATAL);
	assert_int_equal(res.fw.version_after_err, -ENXIO);
	assert_int_equal(e->host->module_state, TDX_MODULE_LOST);
	assert_non_null(strstr(d.msg, "reboot"));
}

static size_t image_pages(struct env *e, uint32_t update)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;

	load(e, update, TDX_IMAGE_FORMAT_V2, &data, &size);
	return size / 4096;
}

static struct tdx_plan two_hops(struct env *e, struct tdx_store_entry *hops[2])
{
	hops[0] = entry(e, 8);
	hops[1] = entry(e, 10);
	return (struct tdx_plan){.from = {1, 5, 6}, .hops = hops, .n_hops = 2};
}

static unsigned hops_seen;

static void count_hop(void *ud, const struct tdx_hop_result *r)
{
	hops_seen++;
}

static void test_plan_success(void **state)
{
	struct env *e = *state;
	_cleanup_free_ struct tdx_hop_result *res = NULL;
	_cleanup_free_ uint8_t *a = NULL, *b = NULL;
	struct tdx_store_entry *hops[2];
	struct tdx_plan plan;
	size_t done = 0, sa, sb;

	env_start(e);
	plan = two_hops(e, hops);
	hops_seen = 0;
	assert_int_equal(
		tdx_update_run_plan(&e->ctx, &plan, false, count_hop, NULL, &res, &done, NULL), 0);
	assert_int_equal(done, 2);
	assert_int_equal(hops_seen, 2);
	assert_int_equal(res[0].outcome, TDX_OUTCOME_SUCCESS);
	assert_int_equal(res[1].outcome, TDX_OUTCOME_SUCCESS);
	assert_int_equal(res[1].remaining_before, 9);
	assert_int_equal(res[1].remaining_after, 8);
	assert_int_equal(e->host->module_version.update, 10);
	assert_int_equal(res[1].from.update, 8);
	load(e, 8, TDX_IMAGE_FORMAT_V2, &a, &sa);
	load(e, 10, TDX_IMAGE_FORMAT_V2, &b, &sb);
	assert_int_equal(e->fw.data_size, sa + sb);
	assert_memory_equal(e->fw.data, a, sa);
	assert_memory_equal(e->fw.data + sa, b, sb);
}

static void test_plan_stops_after_fatal(void **state)
{
	struct env *e = *state;
	_cleanup_free_ struct tdx_hop_result *res = NULL;
	struct tdx_store_entry *hops[2];
	struct tdx_plan plan;
	size_t done = 0;

	e->install_lost = true;
	env_start(e);
	plan = two_hops(e, hops);
	assert_int_equal(tdx_update_run_plan(&e->ctx, &plan, false, NULL, NULL, &res, &done, NULL),
			 0);
	assert_int_equal(done, 1);
	assert_int_equal(res[0].outcome, TDX_OUTCOME_FATAL);
	assert_int_equal(e->installs, 1);
	assert_int_equal(e->fw.data_writes, image_pages(e, 8)); /* one image, nothing after */
	assert_int_equal(fake_fw_log_find(&e->fw, "loading=1"), 0);
	for (unsigned i = 1; i < e->fw.n_log; i++)
		assert_string_not_equal(e->fw.log[i], "loading=1");
}

static void test_plan_stops_after_refused(void **state)
{
	struct env *e = *state;
	_cleanup_free_ struct tdx_hop_result *res = NULL;
	struct tdx_store_entry *hops[2];
	struct tdx_plan plan;
	size_t done = 0;

	e->install_to[0] = e->install_to[1] = NULL;
	e->install_slot = false;
	env_start(e);
	e->fw.error = "transferring:firmware-invalid\n";
	plan = two_hops(e, hops);
	assert_int_equal(tdx_update_run_plan(&e->ctx, &plan, false, NULL, NULL, &res, &done, NULL),
			 0);
	assert_int_equal(done, 1);
	assert_int_equal(res[0].outcome, TDX_OUTCOME_REFUSED);
	assert_int_equal(res[0].fw.error.code, TDX_FW_ERROR_FIRMWARE_INVALID);
	assert_int_equal(e->installs, 1);
	assert_int_equal(e->fw.data_writes, image_pages(e, 8));
}

static void test_plan_dry_run(void **state)
{
	struct env *e = *state;
	_cleanup_free_ struct tdx_hop_result *res = NULL;
	struct tdx_store_entry *hops[2];
	struct tdx_plan plan;
	size_t done = 0;

	env_start(e);
	plan = two_hops(e, hops);
	assert_int_equal(tdx_update_run_plan(&e->ctx, &plan, true, NULL, NULL, &res, &done, NULL),
			 0);
	assert_int_equal(done, 2);
	assert_true(tdx_preflight_passed(&res[0].preflight));
	assert_true(tdx_preflight_passed(&res[1].preflight));
	assert_int_equal(res[1].from.update, 8); /* checked as if hop 1 had run */
	assert_false(fake_fw_touched(&e->fw));
}

static void test_plan_preflight_failure_stops(void **state)
{
	struct env *e = *state;
	_cleanup_free_ struct tdx_hop_result *res = NULL;
	struct tdx_store_entry *hops[2];
	struct tdx_plan plan;
	struct tdx_diag d = {""};
	size_t done = 0;

	e->spec.cpu_online = "0";
	env_start(e);
	plan = two_hops(e, hops);
	assert_int_equal(tdx_update_run_plan(&e->ctx, &plan, false, NULL, NULL, &res, &done, &d),
			 -EBUSY);
	assert_int_equal(done, 1);
	assert_int_equal(tdx_preflight_first_failure(&res[0].preflight), TDX_CHECK_CPUS_ONLINE);
	assert_non_null(strstr(d.msg, "cpus_online"));
	assert_false(fake_fw_touched(&e->fw));
}

#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_success),
		T(test_converts_for_mainline),
		T(test_old_layout_gets_v1),
		T(test_never_rereads_the_file),
		T(test_refused_module_lost),
		T(test_refused_not_a_host),
		T(test_refused_hidden),
		T(test_refused_no_fwupload),
		T(test_refused_no_fwupload_real_io),
		T(test_refused_cpu_offline),
		T(test_refused_zero_remaining),
		T(test_refused_reserve),
		T(test_refused_not_idle),
		T(test_refused_lock_held),
		T(test_refused_policy),
		T(test_refused_signature),
		T(test_refused_changed_after_check),
		T(test_refused_untrusted_key),
		T(test_refused_policy_uses_version_under_lock),
		T(test_refused_image),
		T(test_refused_veto),
		T(test_refused_inhibitor_file),
		T(test_refused_held_key),
		T(test_dry_run_writes_nothing),
		T(test_no_error_but_unchanged_is_refused),
		T(test_fatal),
		T(test_plan_success),
		T(test_plan_stops_after_fatal),
		T(test_plan_stops_after_refused),
		T(test_plan_dry_run),
		T(test_plan_preflight_failure_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
