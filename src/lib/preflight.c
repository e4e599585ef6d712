// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pre-flight checks. Each one names what it looked at and why it refuses, so
 * an operator reading one line knows what to fix. Several of these protect
 * conditions the mainline kernel no longer checks itself (offline CPUs, no
 * update slot left): there the kernel would shut the old module down first
 * and every TD would die.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tdx/host.h>
#include <tdx/inhibit-keys.h>
#include <tdx/policy.h>
#include <tdx/lock.h>
#include <tdx/preflight.h>
#include <tdx/store.h>
#include <tdx/sysfs.h>
#include <tdx/view.h>
#include <tdx/young-td.h>
#include <tdx/string-table.h>

static const char *const tdx_check_table[] = {
	[TDX_CHECK_MODULE_RUNNING] = "module_running",
	[TDX_CHECK_UPDATE_SUPPORTED] = "update_supported",
	[TDX_CHECK_CPUS_ONLINE] = "cpus_online",
	[TDX_CHECK_UPDATES_LEFT] = "updates_left",
	[TDX_CHECK_FWUPLOAD_IDLE] = "fwupload_idle",
	[TDX_CHECK_LOCK] = "lock",
	[TDX_CHECK_POLICY] = "policy",
	[TDX_CHECK_IMAGE] = "image",
	[TDX_CHECK_SIGNATURE] = "image_signature",
	[TDX_CHECK_VETO] = "veto",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_check, enum tdx_check, );

void tdx_preflight_init(struct tdx_preflight *p)
{
	*p = (struct tdx_preflight){0};
}

bool tdx_preflight_passed(const struct tdx_preflight *p)
{
	bool any = false;

	for (unsigned i = 0; i < TDX_CHECK_COUNT; i++) {
		if (!p->checks[i].ran)
			continue;
		if (!p->checks[i].passed)
			return false;
		any = true;
	}
	return any;
}

enum tdx_check tdx_preflight_first_failure(const struct tdx_preflight *p)
{
	for (unsigned i = 0; i < TDX_CHECK_COUNT; i++)
		if (p->checks[i].ran && !p->checks[i].passed)
			return (enum tdx_check)i;
	return TDX_CHECK_COUNT;
}

static int _printf_(3, 4) verdict(struct tdx_check_result *r, int err, const char *fmt, ...)
{
	va_list ap;

	r->ran = true;
	r->passed = err >= 0;
	r->err = err < 0 ? err : 0;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return r->err;
}

int tdx_check_module_running(const struct tdx_host *h, struct tdx_check_result *r)
{
	char v[TDX_VERSION_STRING_MAX];

	switch (h->module_state) {
	case TDX_MODULE_RUNNING:
		return verdict(r, 0, "TDX module %s running",
			       tdx_version_format(&h->module_version, v));
	case TDX_MODULE_ABSENT:
		return verdict(r, -ENODEV,
			       "no tdx_host device: not a TDX host or tdx-host not loaded");
	case TDX_MODULE_LOST:
		return verdict(
			r, -ENXIO,
			"the TDX module is lost (version reads ENXIO): reboot before updating");
	default:
		return verdict(r, h->version_err < 0 ? h->version_err : -EIO,
			       "module version unreadable: %s", strerror(-h->version_err));
	}
}

int tdx_check_update_supported(const struct tdx_host *h, struct tdx_check_result *r)
{
	if (h->update_support == TDX_UPDATE_SUPPORTED)
		return verdict(r, 0, "runtime update supported (%s layout, image %s)",
			       tdx_abi_layout_to_string(h->layout),
			       tdx_image_format_to_string(h->image_format));
	return verdict(r, -EOPNOTSUPP, "runtime update unsupported: %s",
		       tdx_update_support_describe(h->update_support));
}

int tdx_check_cpus_online(const struct tdx_host *h, struct tdx_check_result *r)
{
	_cleanup_free_ char *online = NULL, *present = NULL;
	bool all = false;
	unsigned n;
	int k;

	k = tdx_host_cpus_all_online(h, &all, &online, &present);
	if (k < 0)
		return verdict(r, k, "cannot read CPU online/present lists: %s", strerror(-k));
	if (!all)
		return verdict(r, -EBUSY,
			       "CPUs online \"%s\" but present \"%s\": an update with offline CPUs "
			       "kills every TD; bring them online first",
			       online, present);
	if (tdx_cpu_list_count(present, &n) < 0)
		return verdict(r, 0, "all present CPUs online (%s)", present);
	return verdict(r, 0, "%u of %u CPUs online", n, n);
}

int tdx_check_updates_left(const struct tdx_host *h, unsigned reserve, struct tdx_check_result *r)
{
	uint32_t n = h->num_remaining_updates;

	if (h->remaining_err < 0)
		return verdict(r, h->remaining_err, "num_remaining_updates unreadable: %s",
			       strerror(-h->remaining_err));
	if (n == 0)
		return verdict(r, -ENOSPC,
			       "num_remaining_updates is 0: the update would fail after the old "
			       "module is shut down and kill every TD; reboot to reset it");
	if (tdx_update_budget(h, reserve) == 0)
		return verdict(r, -ENOSPC,
			       "num_remaining_updates is %u, not above the reserve of %u", n,
			       reserve);
	return verdict(r, 0, "%u updates left (reserve %u)", n, reserve);
}

int tdx_check_fwupload_idle(const struct tdx_fwupload_io *io, void *ud, struct tdx_check_result *r)
{
	char buf[64];
	int k;

	k = io->read_attr(ud, "status", buf, sizeof(buf));
	if (k < 0)
		return verdict(r, k, "fw_upload status unreadable: %s", strerror(-k));
	if (tdx_fw_status_from_string(buf) != TDX_FW_STATUS_IDLE)
		return verdict(r, -EBUSY, "fw_upload status is \"%s\": another upload is running",
			       buf);
	return verdict(r, 0, "fw_upload idle");
}

int tdx_check_lock(int lock_err, const char *lock_path, struct tdx_check_result *r)
{
	if (lock_err == -EWOULDBLOCK)
		return verdict(r, lock_err, "another update is in progress (%s is locked)",
			       lock_path);
	if (lock_err < 0)
		return verdict(r, lock_err, "cannot take the update lock %s: %s", lock_path,
			       strerror(-lock_err));
	return verdict(r, 0, "update lock %s held", lock_path);
}

/* "reason; reason; ..." for every bit set. */
static void describe_reasons(uint32_t reasons, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < TDX_REASON_COUNT && len < size; i++) {
		if (!(reasons & (1u << i)))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "; " : "",
					tdx_reason_describe((enum tdx_reason)(1u << i)));
	}
}

int tdx_check_policy(struct tdx_store_entry *e, const struct tdx_policy_host *host,
		     const struct tdx_policy_opts *opts, struct tdx_check_result *r)
{
	char from[TDX_VERSION_STRING_MAX], to[TDX_VERSION_STRING_MAX], why[TDX_DIAG_MAX];
	uint32_t reasons;

	reasons = tdx_policy_check_hop(e, &host->running, host, opts);
	tdx_version_format(&host->running, from);
	tdx_version_format(&e->version, to);
	if (reasons == 0)
		return verdict(r, 0, "%s -> %s allowed", from, to);
	describe_reasons(reasons, why, sizeof(why));
	return verdict(r, -EPERM, "%s -> %s not allowed: %s", from, to, why);
}

int tdx_check_image(const struct tdx_store_entry *e, enum tdx_image_format want, uint8_t **ret_data,
		    size_t *ret_size, struct tdx_image *ret_img, bool *ret_converted,
		    struct tdx_check_result *r)
{
	struct tdx_diag d = {""};
	char v[TDX_VERSION_STRING_MAX];
	bool converted = false;
	int k;

	tdx_version_format(&e->version, v);
	if (want == TDX_IMAGE_FORMAT_INVALID)
		return verdict(r, -EOPNOTSUPP, "%s: the kernel accepts no known image format", v);
	k = tdx_store_entry_load_image(e, want, ret_data, ret_size, ret_img, &converted, &d);
	if (k < 0)
		return verdict(r, k, "%s: image invalid for format %s: %s", v,
			       tdx_image_format_to_string(want), d.msg);
	*ret_converted = converted;
	return verdict(r, 0, "%s: image valid, format %s%s", v, tdx_image_format_to_string(want),
		       converted ? " (converted in memory)" : "");
}

int tdx_check_signature(const struct tdx_image *img, const struct tdx_trusted_keys *trusted,
			struct tdx_check_result *r)
{
	const struct tdx_signature *s;
	struct tdx_diag d = {""};
	char key[TDX_KEY_FINGERPRINT_HEX];
	int k;

	/* Reported all the same, so a list of checks never hides one that did not pass. */
	if (!img)
		return verdict(r, -ENODATA, "not checked: no image passed the image check");
	s = &img->sig.signature;
	k = tdx_signature_check(s, trusted, &d);
	if (k < 0)
		return verdict(r, k, "%s", d.msg);
	return verdict(r, 0, "signed by trusted key %s",
		       tdx_hex(s->key_sha256, TDX_SHA256_SIZE, key));
}

/*
 * Named keys (inhibit-keys.h), read with the inhibit file held exclusively:
 * no hold can complete between this check and the hop's verdict.
 */
static int check_held_keys(const char *lock_path, int *block_fd, struct tdx_check_result *r)
{
	struct tdx_diag d = {""};
	int k;

	k = tdx_inhibit_keys_check(lock_path, NULL, &d);
	if (k == 0)
		return 0;
	*block_fd = tdx_inhibit_unblock(*block_fd);
	if (k == -EBUSY)
		return verdict(r, k,
			       "%s: a TD is being built or migrated; updating now could corrupt "
			       "it",
			       d.msg);
	return verdict(r, k, "cannot check held inhibitor keys: %s", d.msg);
}

int tdx_check_inhibitors(const char *lock_path, const char *what, int *ret_block_fd,
			 struct tdx_check_result *r)
{
	_cleanup_free_ char *path = NULL;
	int k;

	k = tdx_inhibit_block(lock_path, what, ret_block_fd);
	if (k == 0)
		return check_held_keys(lock_path, ret_block_fd, r);
	(void)tdx_inhibit_path(lock_path, &path);
	if (k == -EBUSY)
		return verdict(r, k,
			       "an inhibitor is held (%s): a TD is being built or migrated; "
			       "updating now could corrupt its measurement",
			       path ? path : TDX_INHIBIT_FILE);
	return verdict(r, k, "cannot check inhibitors (%s): %s", path ? path : TDX_INHIBIT_FILE,
		       strerror(-k));
}

int tdx_check_young_tds(const char *sysfs_root, uint64_t young_usec, int *block_fd,
			struct tdx_check_result *r)
{
	struct tdx_diag d = {""};
	int k;

	k = tdx_young_td_check(sysfs_root, young_usec, &d);
	if (k == 0)
		return 0;
	*block_fd = tdx_inhibit_unblock(*block_fd);
	return verdict(r, k, "%s", d.msg);
}

int tdx_check_veto(int (*veto)(void *ud, const struct tdx_store_entry *e, struct tdx_diag *diag),
		   void *ud, const struct tdx_store_entry *e, struct tdx_check_result *r)
{
	struct tdx_diag d = {""};
	int k;

	if (!veto)
		return verdict(r, 0, "no veto configured");
	k = veto(ud, e, &d);
	if (k != 0)
		/* Consumers print the check's name ("veto: ..."), so the reason alone. */
		return verdict(r, k < 0 ? k : -ECANCELED, "%s",
			       d.msg[0] ? d.msg : "no reason given");
	return verdict(r, 0, "no veto");
}
