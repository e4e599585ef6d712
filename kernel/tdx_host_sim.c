// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_host_sim: a test double for the Linux tdx-host driver.
 *
 * Reproduces the sysfs ABI of drivers/virt/coco/tdx-host (mainline 7.2, or
 * the v4 patch series layout) on a kernel without TDX hardware, backed by an
 * emulated TDX module and P-SEAMLDR. Images written through fw_upload are
 * checked exactly as the kernel checks them; what the hardware would do with
 * an image that passes those checks is then played out, including the fatal
 * outcomes (old module shut down, new one not running) that userspace is
 * supposed to prevent. In the spirit of ndctl's nfit_test.
 *
 * Only for test machines: it pretends to be a driver of hardware it is not.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/firmware.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/unaligned.h>
#include <asm/processor.h>
#include <crypto/hash.h>
#include <crypto/sig.h>

#include "tdx_sim_payload.h"

#define SIM_PAGE_SIZE		   4096u
#define SIM_MAX_MODULE_PAGES	   496u
#define SIM_V4_MAX_SIG_PAGES	   4u
#define SIM_MAINLINE_MAX_SIG_PAGES 1u
#define SIM_SIGSTRUCT_OFFSET	   0x1000u
#define SIM_SIG_SEAMHASH	   900u
#define SIM_SEAMHASH_SIZE	   48u
#define SIM_SIG_CPUID_COUNT	   1024u
#define SIM_SIG_CPUID_TABLE	   1028u
#define SIM_SIG_CPUID_MAX	   255u
#define SIM_CPU_SIG_MASK	   0xfffffff0u
/* The SIGSTRUCT's RSA-3072 key and signature (tdxctl: include/tdx/signature.h). */
#define SIM_SIGSTRUCT_SIZE	  2048u
#define SIM_SIG_SIZE_FIELDS	  24u /* size, key_size, modulus_size, exponent_size */
#define SIM_SIG_MODULUS		  128u
#define SIM_SIG_EXPONENT	  512u
#define SIM_SIG_SIGNATURE	  516u
#define SIM_SIG_SIGNED_HEADER_END 128u /* signed: [0, 128) and [900, 2048) */
#define SIM_SIG_SIGNED_BODY_START 900u
#define SIM_RSA_KEY_SIZE	  384u
#define SIM_RSA_EXPONENT	  0x10001u
#define SIM_MAX_TRUSTED_KEYS	  16u
#define SIM_KEY_SHA256_SIZE	  32u

/* ---- module parameters: the state the emulated platform boots with ---- */

static char *module_version = "1.5.06";
module_param(module_version, charp, 0444);
MODULE_PARM_DESC(module_version, "Running TDX module version at load, x.y.z (default 1.5.06)");

static char *seamldr_version = "1.5.00";
module_param(seamldr_version, charp, 0444);
MODULE_PARM_DESC(seamldr_version, "P-SEAMLDR version, x.y.z (default 1.5.00)");

static unsigned int num_remaining_updates = 16;
module_param(num_remaining_updates, uint, 0444);
MODULE_PARM_DESC(num_remaining_updates, "Update slots left at load (default 16)");

static bool runtime_update = true;
module_param(runtime_update, bool, 0444);
MODULE_PARM_DESC(runtime_update, "Module supports runtime update; when off the seamldr attributes "
				 "and tdx_module are hidden");

static unsigned int install_ms = 50;
module_param(install_ms, uint, 0644);
MODULE_PARM_DESC(install_ms, "Time an install takes, emulating the stop_machine phase (ms)");

static unsigned int image_format;
module_param(image_format, uint, 0444);
MODULE_PARM_DESC(image_format, "Accepted image format: 0x200 or 0x100 (default: per abi)");

static char *abi = "mainline";
module_param(abi, charp, 0444);
MODULE_PARM_DESC(abi, "sysfs layout and error mapping: mainline or v4");

/* Intel's production key: SHA-256 of the modulus as stored in all published sigstructs. */
static char *trusted_keys = "c821f41f83e0dc73e272852ffc176bcd9ae1e93a4fccec88772c9b4ff2eaa75f";
module_param(trusted_keys, charp, 0444);
MODULE_PARM_DESC(trusted_keys, "Comma-separated SHA-256 fingerprints of the signing keys the "
			       "emulated P-SEAMLDR accepts (default: Intel's production key)");

/* ---- emulated platform state ---- */

struct sim_version {
	u32 major, minor, update;
};

enum sim_abi {
	SIM_ABI_MAINLINE,
	SIM_ABI_V4,
};

enum sim_inject {
	SIM_INJECT_NONE,
	SIM_INJECT_FAIL,  /* next update refused before shutdown: harmless */
	SIM_INJECT_FATAL, /* next update fails after shutdown: module lost */
	SIM_INJECT_HANG,  /* next update takes hang_ms longer, then proceeds */
	SIM_INJECT_BUSY,  /* next update hits a compat-sensitive operation: -EBUSY */
};

static const char *const sim_inject_names[] = {
	[SIM_INJECT_NONE] = "none", [SIM_INJECT_FAIL] = "fail", [SIM_INJECT_FATAL] = "fatal",
	[SIM_INJECT_HANG] = "hang", [SIM_INJECT_BUSY] = "busy",
};

struct sim_state {
	struct mutex lock; /* protects everything below; never held across the install sleep */
	struct sim_version module;
	struct sim_version seamldr;
	u32 remaining;
	bool lost; /* old module shut down and no new one running: reboot needed */
	enum sim_inject inject;
	u32 hang_ms;
	u64 uploads;	  /* images received by .write, whatever happened next */
	u64 updates;	  /* successful installs */
	u64 fatal;	  /* updates that lost the module */
	u64 received_ns;  /* CLOCK_MONOTONIC when .write received the last image */
	u64 completed_ns; /* CLOCK_MONOTONIC when the last update finished */
	u32 td_builds;	  /* TD builds in progress (debugfs td_build): an update now corrupts a TD */
	char last_result[160];
};

static struct sim_state sim = {
	.lock = __MUTEX_INITIALIZER(sim.lock),
};

static enum sim_abi sim_abi;
static u32 sim_format;
static struct sim_version param_module, param_seamldr;

static struct device *faux_root;
static struct device *tdx_host;
static struct fw_upload *tdx_fwl;
static struct dentry *sim_debugfs;
static struct crypto_shash *sha384;
static struct crypto_shash *sha256;
static struct crypto_sig *rsa_sha384;
static DEFINE_MUTEX(rsa_lock); /* the tfm holds one public key at a time */
static u8 trusted[SIM_MAX_TRUSTED_KEYS][SIM_KEY_SHA256_SIZE];
static unsigned int n_trusted;

static int sim_version_parse(const char *s, struct sim_version *v)
{
	char tail;

	if (!s || sscanf(s, "%u.%u.%u%c", &v->major, &v->minor, &v->update, &tail) != 3)
		return -EINVAL;
	return 0;
}

static int sim_version_cmp(const struct sim_version *a, const struct sim_version *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->update != b->update)
		return a->update < b->update ? -1 : 1;
	return 0;
}

static void sim_reset_state(void)
{
	mutex_lock(&sim.lock);
	sim.module = param_module;
	sim.seamldr = param_seamldr;
	sim.remaining = num_remaining_updates;
	sim.lost = false;
	sim.inject = SIM_INJECT_NONE;
	sim.hang_ms = 0;
	sim.uploads = 0;
	sim.updates = 0;
	sim.fatal = 0;
	sim.received_ns = 0;
	sim.completed_ns = 0;
	sim.td_builds = 0;
	strscpy(sim.last_result, "none", sizeof(sim.last_result));
	mutex_unlock(&sim.lock);
}

/* ---- sysfs attributes of tdx_host, as drivers/virt/coco/tdx-host/tdx-host.c ---- */

static ssize_t version_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct sim_version v;
	bool lost;

	mutex_lock(&sim.lock);
	v = sim.module;
	lost = sim.lost;
	mutex_unlock(&sim.lock);
	/* tdx_get_sysinfo() is NULL once the module is gone. */
	if (lost)
		return -ENXIO;
	return sysfs_emit(buf, "%u.%u.%02u\n", v.major, v.minor, v.update);
}
static DEVICE_ATTR_RO(version);

static ssize_t seamldr_version_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct sim_version v;

	mutex_lock(&sim.lock);
	v = sim.seamldr;
	mutex_unlock(&sim.lock);
	return sysfs_emit(buf, "%u.%u.%02u\n", v.major, v.minor, v.update);
}

static ssize_t num_remaining_updates_show(struct device *dev, struct device_attribute *attr,
					  char *buf)
{
	u32 n;

	mutex_lock(&sim.lock);
	n = sim.remaining;
	mutex_unlock(&sim.lock);
	return sysfs_emit(buf, "%u\n", n);
}

/* Mainline: flat, 0400 (a real read is a slow, serialized P-SEAMLDR call). */
static DEVICE_ATTR_ADMIN_RO(seamldr_version);
static DEVICE_ATTR_ADMIN_RO(num_remaining_updates);

static struct attribute *tdx_host_attrs[] = {
	&dev_attr_version.attr,
	&dev_attr_seamldr_version.attr,
	&dev_attr_num_remaining_updates.attr,
	NULL,
};

static umode_t tdx_host_attr_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	if (attr == &dev_attr_version.attr || runtime_update)
		return attr->mode;
	return 0;
}

static const struct attribute_group tdx_host_group = {
	.attrs = tdx_host_attrs,
	.is_visible = tdx_host_attr_visible,
};

static const struct attribute_group *tdx_host_mainline_groups[] = {
	&tdx_host_group,
	NULL,
};

/* v4: the P-SEAMLDR attributes live in seamldr/, always visible. */
static struct device_attribute dev_attr_v4_seamldr_version =
	__ATTR(version, 0400, seamldr_version_show, NULL);
static struct device_attribute dev_attr_v4_num_remaining_updates =
	__ATTR(num_remaining_updates, 0400, num_remaining_updates_show, NULL);

static struct attribute *tdx_host_v4_attrs[] = {
	&dev_attr_version.attr,
	NULL,
};

static struct attribute *seamldr_v4_attrs[] = {
	&dev_attr_v4_seamldr_version.attr,
	&dev_attr_v4_num_remaining_updates.attr,
	NULL,
};

static const struct attribute_group tdx_host_v4_group = {
	.attrs = tdx_host_v4_attrs,
};

static const struct attribute_group seamldr_v4_group = {
	.name = "seamldr",
	.attrs = seamldr_v4_attrs,
};

static const struct attribute_group *tdx_host_v4_groups[] = {
	&tdx_host_v4_group,
	&seamldr_v4_group,
	NULL,
};

/* ---- image header checks, exactly as the kernel accepting that format ---- */

struct sim_image {
	const u8 *sigstruct;
	size_t sigstruct_size;
	const u8 *module;
	size_t module_size;
};

/* Mainline arch/x86/virt/vmx/tdx/seamldr.c, struct tdx_image_header (0x200). */
static int sim_parse_v2(const u8 *data, size_t size, struct sim_image *img)
{
	u32 sig_pages, mod_pages;

	if (size < SIM_PAGE_SIZE)
		return -EINVAL;
	sig_pages = get_unaligned_le32(data + 12);
	mod_pages = get_unaligned_le32(data + 16);
	if (SIM_PAGE_SIZE + (u64)sig_pages * SIM_PAGE_SIZE + (u64)mod_pages * SIM_PAGE_SIZE != size)
		return -EINVAL;
	if (get_unaligned_le16(data) != 0x200)
		return -EINVAL;
	if (sig_pages > SIM_MAINLINE_MAX_SIG_PAGES || mod_pages > SIM_MAX_MODULE_PAGES)
		return -EINVAL;
	if (memcmp(data + 4, "TDX-BLOB", 8))
		return -EINVAL;
	if (memchr_inv(data + 20, 0, SIM_PAGE_SIZE - 20))
		return -EINVAL;
	img->sigstruct = data + SIM_PAGE_SIZE;
	img->sigstruct_size = (size_t)sig_pages * SIM_PAGE_SIZE;
	img->module = img->sigstruct + img->sigstruct_size;
	img->module_size = (size_t)mod_pages * SIM_PAGE_SIZE;
	return 0;
}

/* v4 patch 10/24, struct tdx_blob (0x100); the checksum is not verified. */
static int sim_parse_v1(const u8 *data, size_t size, struct sim_image *img)
{
	u32 offset_of_module;
	size_t sig_size, module_size;

	if (size < SIM_PAGE_SIZE)
		return -EINVAL;
	offset_of_module = get_unaligned_le32(data + 4);
	if (offset_of_module >= size)
		return -EINVAL;
	if (get_unaligned_le16(data) != 0x100)
		return -EINVAL;
	if (get_unaligned_le32(data + 20) || memchr_inv(data + 24, 0, SIM_PAGE_SIZE - 24))
		return -EINVAL;
	if (offset_of_module <= SIM_PAGE_SIZE || get_unaligned_le32(data + 16) != size)
		return -EINVAL;
	sig_size = offset_of_module - SIM_PAGE_SIZE;
	module_size = size - offset_of_module;
	if (memcmp(data + 8, "TDX-BLOB", 8))
		return -EINVAL;
	if (module_size > SIM_MAX_MODULE_PAGES * SIM_PAGE_SIZE ||
	    sig_size > SIM_V4_MAX_SIG_PAGES * SIM_PAGE_SIZE)
		return -EINVAL;
	if (!IS_ALIGNED(module_size, SIM_PAGE_SIZE) || !IS_ALIGNED(sig_size, SIM_PAGE_SIZE))
		return -EINVAL;
	img->sigstruct = data + SIM_PAGE_SIZE;
	img->sigstruct_size = sig_size;
	img->module = data + offset_of_module;
	img->module_size = module_size;
	return 0;
}

/* ---- what the emulated P-SEAMLDR and TDX module do with a parsed image ---- */

static bool sim_cpu_supported(const struct sim_image *img, u32 cpu_sig)
{
	u32 count, i;

	if (img->sigstruct_size < SIM_SIG_CPUID_TABLE)
		return false;
	count = min(get_unaligned_le32(img->sigstruct + SIM_SIG_CPUID_COUNT), SIM_SIG_CPUID_MAX);
	count = min_t(u32, count, (img->sigstruct_size - SIM_SIG_CPUID_TABLE) / 4);
	for (i = 0; i < count; i++) {
		u32 entry = get_unaligned_le32(img->sigstruct + SIM_SIG_CPUID_TABLE + 4 * i);

		if ((entry & SIM_CPU_SIG_MASK) == (cpu_sig & SIM_CPU_SIG_MASK))
			return true;
	}
	return false;
}

static int sim_seamhash_matches(const struct sim_image *img, bool *ret)
{
	u8 digest[SIM_SEAMHASH_SIZE];
	int r;

	if (img->sigstruct_size < SIM_SIG_SEAMHASH + SIM_SEAMHASH_SIZE) {
		*ret = false;
		return 0;
	}
	r = crypto_shash_tfm_digest(sha384, img->module, img->module_size, digest);
	if (r)
		return r;
	*ret = !memcmp(digest, img->sigstruct + SIM_SIG_SEAMHASH, SIM_SEAMHASH_SIZE);
	return 0;
}

/* The payload convention of tdx_sim_payload.h: own version and hand-off minimum. */
static bool sim_payload_read(const struct sim_image *img, struct sim_version *own,
			     struct sim_version *handoff)
{
	const u8 *p = img->module;

	if (img->module_size < TDX_SIM_HEADER_SIZE || memcmp(p, TDX_SIM_MAGIC, TDX_SIM_MAGIC_LEN) ||
	    get_unaligned_le32(p + TDX_SIM_OFF_LAYOUT) != TDX_SIM_LAYOUT_VERSION)
		return false;
	own->major = get_unaligned_le32(p + TDX_SIM_OFF_VERSION);
	own->minor = get_unaligned_le32(p + TDX_SIM_OFF_VERSION + 4);
	own->update = get_unaligned_le32(p + TDX_SIM_OFF_VERSION + 8);
	handoff->major = get_unaligned_le32(p + TDX_SIM_OFF_HANDOFF);
	handoff->minor = get_unaligned_le32(p + TDX_SIM_OFF_HANDOFF + 4);
	handoff->update = get_unaligned_le32(p + TDX_SIM_OFF_HANDOFF + 8);
	return true;
}

/* ---- the P-SEAMLDR's signature check ---- */

static bool sim_key_trusted(const u8 *fingerprint)
{
	unsigned int i;

	for (i = 0; i < n_trusted; i++)
		if (!memcmp(trusted[i], fingerprint, SIM_KEY_SHA256_SIZE))
			return true;
	return false;
}

/*
 * The RSAPublicKey (RFC 8017 A.1.1) the kernel's rsa wants, DER: SEQUENCE {
 * INTEGER n (a 0 byte first: its top bit is set), INTEGER 65537 }. The
 * sigstruct stores n little-endian; DER is big-endian.
 */
#define SIM_RSA_DER_SIZE (4 + 4 + 1 + SIM_RSA_KEY_SIZE + 5)
static void sim_rsa_der(const u8 *modulus_le, u8 *der)
{
	static const u8 head[] = {0x30, 0x82, 0x01, 0x8a, 0x02, 0x82, 0x01, 0x81, 0x00};
	static const u8 tail[] = {0x02, 0x03, 0x01, 0x00, 0x01};
	unsigned int i;

	memcpy(der, head, sizeof(head));
	for (i = 0; i < SIM_RSA_KEY_SIZE; i++)
		der[sizeof(head) + i] = modulus_le[SIM_RSA_KEY_SIZE - 1 - i];
	memcpy(der + sizeof(head) + SIM_RSA_KEY_SIZE, tail, sizeof(tail));
}

/* SHA-384 of the signed bytes, and pkcs1pad(rsa,sha384) over them: the kernel's own code. */
static int sim_rsa_verify(const u8 *sig, bool *ret)
{
	SHASH_DESC_ON_STACK(desc, sha384);
	u8 digest[SIM_SEAMHASH_SIZE];
	u8 *der, *sig_be;
	unsigned int i;
	int r;

	desc->tfm = sha384;
	r = crypto_shash_init(desc) ?:
	    crypto_shash_update(desc, sig, SIM_SIG_SIGNED_HEADER_END) ?:
	    crypto_shash_finup(desc, sig + SIM_SIG_SIGNED_BODY_START,
			       SIM_SIGSTRUCT_SIZE - SIM_SIG_SIGNED_BODY_START, digest);
	if (r)
		return r;
	der = kmalloc(SIM_RSA_DER_SIZE + SIM_RSA_KEY_SIZE, GFP_KERNEL);
	if (!der)
		return -ENOMEM;
	sig_be = der + SIM_RSA_DER_SIZE;
	sim_rsa_der(sig + SIM_SIG_MODULUS, der);
	for (i = 0; i < SIM_RSA_KEY_SIZE; i++)
		sig_be[i] = sig[SIM_SIG_SIGNATURE + SIM_RSA_KEY_SIZE - 1 - i];
	mutex_lock(&rsa_lock);
	r = crypto_sig_set_pubkey(rsa_sha384, der, SIM_RSA_DER_SIZE);
	if (!r) {
		r = crypto_sig_verify(rsa_sha384, sig_be, SIM_RSA_KEY_SIZE, digest, sizeof(digest));
		/* Any verification failure is a verdict, not an error of ours. */
		*ret = r == 0;
		r = 0;
	}
	mutex_unlock(&rsa_lock);
	kfree(der);
	return r;
}

/* 0 with why empty when the signature verifies by a trusted key; why says what is wrong. */
static int sim_signature_check(const struct sim_image *img, char *why, size_t len)
{
	static const u32 sizes[] = {SIM_SIGSTRUCT_SIZE / 4, SIM_RSA_KEY_SIZE / 4,
				    SIM_RSA_KEY_SIZE / 4, 1};
	const u8 *sig = img->sigstruct;
	u8 fingerprint[SIM_KEY_SHA256_SIZE];
	unsigned int i;
	bool ok = false;
	int r;

	why[0] = '\0';
	if (img->sigstruct_size < SIM_SIGSTRUCT_SIZE) {
		strscpy(why, "sigstruct too short for a signature", len);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		if (get_unaligned_le32(sig + SIM_SIG_SIZE_FIELDS + 4 * i) != sizes[i] ||
		    get_unaligned_le32(sig + SIM_SIG_EXPONENT) != SIM_RSA_EXPONENT) {
			strscpy(why, "sigstruct key layout is not RSA-3072, e = 65537", len);
			return 0;
		}
	r = crypto_shash_tfm_digest(sha256, sig + SIM_SIG_MODULUS, SIM_RSA_KEY_SIZE, fingerprint);
	if (r)
		return r;
	if (!sim_key_trusted(fingerprint)) {
		scnprintf(why, len, "signing key %*phN not trusted", SIM_KEY_SHA256_SIZE,
			  fingerprint);
		return 0;
	}
	r = sim_rsa_verify(sig, &ok);
	if (r)
		return r;
	if (!ok)
		strscpy(why, "sigstruct signature does not verify", len);
	return 0;
}

struct sim_install {
	bool fatal;
	struct sim_version new_version;
	char why[128];
};

/*
 * Decides what the hardware does once the old module is shut down: every
 * "no" here is fatal, because nothing runs TDs any more. Called with the
 * image already past the kernel's header checks.
 */
static int sim_judge_install(const struct sim_image *img, const struct sim_version *running,
			     u32 remaining, enum sim_inject inject, struct sim_install *out)
{
	struct sim_version handoff;
	u32 cpu_sig = cpuid_eax(1);
	bool hash_ok;
	int r;

	out->fatal = true;
	if (inject == SIM_INJECT_FATAL) {
		strscpy(out->why, "injected fatal failure", sizeof(out->why));
		return 0;
	}
	if (!cpumask_equal(cpu_online_mask, cpu_present_mask)) {
		scnprintf(out->why, sizeof(out->why), "CPU offline (online %u, present %u)",
			  num_online_cpus(), num_present_cpus());
		return 0;
	}
	if (remaining == 0) {
		strscpy(out->why, "no update slots left", sizeof(out->why));
		return 0;
	}
	/* SEAMLDR.INSTALL authenticates the sigstruct before it trusts any field of it. */
	r = sim_signature_check(img, out->why, sizeof(out->why));
	if (r || out->why[0])
		return r;
	if (!sim_cpu_supported(img, cpu_sig)) {
		scnprintf(out->why, sizeof(out->why), "CPU 0x%x not in the sigstruct cpuid table",
			  cpu_sig & SIM_CPU_SIG_MASK);
		return 0;
	}
	r = sim_seamhash_matches(img, &hash_ok);
	if (r)
		return r;
	if (!hash_ok) {
		strscpy(out->why, "seamhash != SHA-384(module)", sizeof(out->why));
		return 0;
	}
	if (!sim_payload_read(img, &out->new_version, &handoff)) {
		strscpy(out->why, "module has no payload header", sizeof(out->why));
		return 0;
	}
	if (sim_version_cmp(&handoff, running) > 0 || handoff.major != running->major ||
	    handoff.minor != running->minor) {
		scnprintf(
			out->why, sizeof(out->why),
			"%u.%u.%02u cannot take over from %u.%u.%02u (hand-off minimum %u.%u.%02u)",
			out->new_version.major, out->new_version.minor, out->new_version.update,
			running->major, running->minor, running->update, handoff.major,
			handoff.minor, handoff.update);
		return 0;
	}
	out->fatal = false;
	scnprintf(out->why, sizeof(out->why), "updated %u.%u.%02u -> %u.%u.%02u", running->major,
		  running->minor, running->update, out->new_version.major, out->new_version.minor,
		  out->new_version.update);
	return 0;
}

/* Runs on every online CPU inside stop_machine(), like the real install state machine. */
static int sim_commit_cb(void *arg)
{
	struct sim_install *ins = arg;

	if (smp_processor_id() != cpumask_first(cpu_online_mask))
		return 0;
	/*
	 * stop_machine() itself holds CPU hotplug off, so this is the moment
	 * the real install finds every CPU it needs, or not.
	 */
	if (!ins->fatal && !cpumask_equal(cpu_online_mask, cpu_present_mask)) {
		ins->fatal = true;
		strscpy(ins->why, "CPU went offline during the update", sizeof(ins->why));
	}
	/* sim.lock is held by our caller, which waits for stop_machine to finish. */
	/*
	 * A TD build (TDH.MEM.PAGE.ADD .. TDH.MR.FINALIZE) across the module
	 * swap: the 7.2 kernel does not stop it and the TD's measurement is
	 * corrupt. We model that TD's loss as the module's, the outcome tdxctl
	 * already reports loudest; the inhibitors are what must prevent it.
	 */
	if (!ins->fatal && sim.td_builds > 0) {
		ins->fatal = true;
		scnprintf(ins->why, sizeof(ins->why),
			  "update during a TD build (%u in progress): TD corrupted", sim.td_builds);
	}
	if (ins->fatal) {
		sim.lost = true;
		sim.fatal++;
	} else {
		sim.module = ins->new_version;
		sim.remaining--;
		sim.updates++;
	}
	return 0;
}

static void sim_finish(int result, const char *why)
{
	lockdep_assert_held(&sim.lock);
	sim.completed_ns = ktime_get_ns();
	scnprintf(sim.last_result, sizeof(sim.last_result), "%d %s", result, why);
	pr_info("update result %d: %s\n", result, why);
}

/* Harmless refusals before TDH.SYS.SHUTDOWN: the v4 kernel's own checks and injections. */
static int sim_precheck(enum sim_inject inject, u32 remaining, bool lost, const char **why)
{
	if (lost) {
		*why = "no TDX module running";
		return -ENXIO;
	}
	if (sim_abi == SIM_ABI_V4 && remaining == 0) {
		*why = "v4 kernel check: no update slots left";
		return -ENOSPC;
	}
	if (sim_abi == SIM_ABI_V4 && !cpumask_equal(cpu_online_mask, cpu_present_mask)) {
		*why = "v4 kernel check: a CPU is offline";
		return -EBUSY;
	}
	if (inject == SIM_INJECT_FAIL) {
		*why = "injected harmless failure";
		return -EIO;
	}
	if (inject == SIM_INJECT_BUSY) {
		*why = "injected compat-sensitive operation in progress";
		return -EBUSY;
	}
	return 0;
}

static int sim_install(const u8 *data, size_t size)
{
	struct sim_install ins = {};
	struct sim_version running;
	struct sim_image img;
	enum sim_inject inject;
	const char *why = "";
	u32 remaining, hang;
	bool lost;
	int r;

	mutex_lock(&sim.lock);
	sim.received_ns = ktime_get_ns();
	sim.uploads++;
	inject = sim.inject;
	hang = sim.hang_ms;
	sim.inject = SIM_INJECT_NONE; /* every injection is one-shot */
	running = sim.module;
	remaining = sim.remaining;
	lost = sim.lost;
	mutex_unlock(&sim.lock);

	r = sim_format == 0x200 ? sim_parse_v2(data, size, &img) : sim_parse_v1(data, size, &img);
	if (r) {
		why = "image rejected by the kernel's header checks";
		goto refused;
	}
	/* As the kernel: no CPU hotplug between the checks and the install. */
	cpus_read_lock();
	r = sim_precheck(inject, remaining, lost, &why);
	if (r == 0) {
		r = sim_judge_install(&img, &running, remaining, inject, &ins);
		if (r)
			why = "hashing failed";
	}
	if (r) {
		cpus_read_unlock();
		goto refused;
	}
	cpus_read_unlock();
	/* The stop_machine phase: the install time, plus any injected hang. */
	msleep(install_ms + (inject == SIM_INJECT_HANG ? hang : 0));
	mutex_lock(&sim.lock);
	stop_machine(sim_commit_cb, &ins, cpu_online_mask);
	sim_finish(ins.fatal ? -EIO : 0, ins.why);
	mutex_unlock(&sim.lock);
	return ins.fatal ? -EIO : 0;

refused:
	mutex_lock(&sim.lock);
	sim_finish(r, why);
	mutex_unlock(&sim.lock);
	return r;
}

/* ---- fw_upload ops, as tdx-host.c ---- */

static enum fw_upload_err sim_fw_prepare(struct fw_upload *fwl, const u8 *data, u32 size)
{
	return FW_UPLOAD_ERR_NONE;
}

static enum fw_upload_err sim_errno_to_fw(int r)
{
	if (r == 0)
		return FW_UPLOAD_ERR_NONE;
	if (sim_abi == SIM_ABI_MAINLINE)
		return FW_UPLOAD_ERR_FW_INVALID;
	switch (r) {
	case -EBUSY:
		return FW_UPLOAD_ERR_BUSY;
	case -EIO:
		return FW_UPLOAD_ERR_HW_ERROR;
	case -ENOSPC:
		return FW_UPLOAD_ERR_WEAROUT;
	case -ENOMEM:
		return FW_UPLOAD_ERR_RW_ERROR;
	default:
		return FW_UPLOAD_ERR_FW_INVALID;
	}
}

static enum fw_upload_err sim_fw_write(struct fw_upload *fwl, const u8 *data, u32 offset, u32 size,
				       u32 *written)
{
	int r;

	/* The real driver is called once, with the whole image, at offset 0. */
	if (offset != 0)
		return FW_UPLOAD_ERR_FW_INVALID;
	r = sim_install(data, size);
	if (r == 0)
		*written = size;
	return sim_errno_to_fw(r);
}

static enum fw_upload_err sim_fw_poll_complete(struct fw_upload *fwl)
{
	return FW_UPLOAD_ERR_NONE;
}

static void sim_fw_cancel(struct fw_upload *fwl)
{
	/* TDX module updates cannot be cancelled. */
}

static const struct fw_upload_ops sim_fw_ops = {
	.prepare = sim_fw_prepare,
	.write = sim_fw_write,
	.poll_complete = sim_fw_poll_complete,
	.cancel = sim_fw_cancel,
};

/* ---- debugfs: counters, fault injection, reset ---- */

static ssize_t inject_read(struct file *f, char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[32];
	int n;

	mutex_lock(&sim.lock);
	if (sim.inject == SIM_INJECT_HANG)
		n = scnprintf(buf, sizeof(buf), "hang %u\n", sim.hang_ms);
	else
		n = scnprintf(buf, sizeof(buf), "%s\n", sim_inject_names[sim.inject]);
	mutex_unlock(&sim.lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t inject_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	enum sim_inject which = SIM_INJECT_NONE;
	char buf[32], word[8];
	u32 ms = 0;
	int i, n;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	n = sscanf(buf, "%7s %u", word, &ms);
	if (n < 1)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(sim_inject_names); i++)
		if (!strcmp(word, sim_inject_names[i]))
			which = i;
	if (strcmp(word, sim_inject_names[which]))
		return -EINVAL;
	if ((which == SIM_INJECT_HANG) != (n == 2))
		return -EINVAL;
	/* A compat-sensitive busy exists only where the kernel maps it (v4). */
	if (which == SIM_INJECT_BUSY && sim_abi != SIM_ABI_V4)
		return -EOPNOTSUPP;
	mutex_lock(&sim.lock);
	sim.inject = which;
	sim.hang_ms = ms;
	mutex_unlock(&sim.lock);
	return len;
}

static const struct file_operations inject_fops = {
	.owner = THIS_MODULE,
	.read = inject_read,
	.write = inject_write,
	.llseek = default_llseek,
};

static ssize_t reset_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	sim_reset_state();
	return len;
}

static const struct file_operations reset_fops = {
	.owner = THIS_MODULE,
	.write = reset_write,
	.llseek = noop_llseek,
};

/* "begin": a TD build starts; "end": one ends. Reads the number in progress. */
static ssize_t td_build_read(struct file *f, char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[16];
	int n;

	mutex_lock(&sim.lock);
	n = scnprintf(buf, sizeof(buf), "%u\n", sim.td_builds);
	mutex_unlock(&sim.lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t td_build_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[8], *word;
	int r = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	word = strim(buf);
	mutex_lock(&sim.lock);
	if (!strcmp(word, "begin"))
		sim.td_builds++;
	else if (!strcmp(word, "end") && sim.td_builds > 0)
		sim.td_builds--;
	else
		r = -EINVAL;
	mutex_unlock(&sim.lock);
	return r ? r : len;
}

static const struct file_operations td_build_fops = {
	.owner = THIS_MODULE,
	.read = td_build_read,
	.write = td_build_write,
	.llseek = default_llseek,
};

static int state_show(struct seq_file *m, void *unused)
{
	mutex_lock(&sim.lock);
	seq_printf(m, "module_version %u.%u.%02u\n", sim.module.major, sim.module.minor,
		   sim.module.update);
	seq_printf(m, "lost %d\n", sim.lost);
	seq_printf(m, "seamldr_version %u.%u.%02u\n", sim.seamldr.major, sim.seamldr.minor,
		   sim.seamldr.update);
	seq_printf(m, "num_remaining_updates %u\n", sim.remaining);
	seq_printf(m, "abi %s\n", sim_abi == SIM_ABI_V4 ? "v4" : "mainline");
	seq_printf(m, "image_format 0x%x\n", sim_format);
	seq_printf(m, "install_ms %u\n", install_ms);
	seq_printf(m, "cpu_signature 0x%x\n", cpuid_eax(1));
	seq_printf(m, "uploads %llu\n", sim.uploads);
	seq_printf(m, "updates %llu\n", sim.updates);
	seq_printf(m, "fatal %llu\n", sim.fatal);
	seq_printf(m, "received_ns %llu\n", sim.received_ns);
	seq_printf(m, "completed_ns %llu\n", sim.completed_ns);
	seq_printf(m, "last_result %s\n", sim.last_result);
	seq_printf(m, "td_builds %u\n", sim.td_builds);
	mutex_unlock(&sim.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int u64_get(void *data, u64 *val)
{
	mutex_lock(&sim.lock);
	*val = *(u64 *)data;
	mutex_unlock(&sim.lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(u64_ro_fops, u64_get, NULL, "%llu\n");

static void sim_debugfs_init(void)
{
	sim_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("inject", 0600, sim_debugfs, NULL, &inject_fops);
	debugfs_create_file("reset", 0200, sim_debugfs, NULL, &reset_fops);
	debugfs_create_file("td_build", 0600, sim_debugfs, NULL, &td_build_fops);
	debugfs_create_file("state", 0444, sim_debugfs, NULL, &state_fops);
	debugfs_create_file("uploads", 0444, sim_debugfs, &sim.uploads, &u64_ro_fops);
	debugfs_create_file("updates", 0444, sim_debugfs, &sim.updates, &u64_ro_fops);
	debugfs_create_file("received_ns", 0444, sim_debugfs, &sim.received_ns, &u64_ro_fops);
	debugfs_create_file("completed_ns", 0444, sim_debugfs, &sim.completed_ns, &u64_ro_fops);
}

/* ---- load / unload ---- */

/* "hex,hex,...": 64 hex digits each. */
static int sim_parse_trusted_keys(void)
{
	const char *p = trusted_keys;

	for (n_trusted = 0; *p; n_trusted++) {
		size_t n = strcspn(p, ",");

		if (n_trusted == SIM_MAX_TRUSTED_KEYS || n != 2 * SIM_KEY_SHA256_SIZE ||
		    hex2bin(trusted[n_trusted], p, SIM_KEY_SHA256_SIZE)) {
			pr_err("trusted_keys: at most %u SHA-256 fingerprints (64 hex digits), "
			       "comma-separated\n",
			       SIM_MAX_TRUSTED_KEYS);
			return -EINVAL;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

static int sim_parse_params(void)
{
	if (sim_version_parse(module_version, &param_module) ||
	    sim_version_parse(seamldr_version, &param_seamldr)) {
		pr_err("module_version and seamldr_version must be x.y.z\n");
		return -EINVAL;
	}
	if (!strcmp(abi, "mainline")) {
		sim_abi = SIM_ABI_MAINLINE;
	} else if (!strcmp(abi, "v4")) {
		sim_abi = SIM_ABI_V4;
	} else {
		pr_err("abi must be mainline or v4\n");
		return -EINVAL;
	}
	if (sim_parse_trusted_keys())
		return -EINVAL;
	sim_format = image_format ? image_format : (sim_abi == SIM_ABI_V4 ? 0x100 : 0x200);
	if (sim_format != 0x100 && sim_format != 0x200) {
		pr_err("image_format must be 0x100 or 0x200\n");
		return -EINVAL;
	}
	return 0;
}

static void tdx_host_release(struct device *dev)
{
	kfree(dev);
}

static int sim_create_tdx_host(void)
{
	struct device *dev;
	int r;

	/* No faux bus before 6.14: a root device named "faux" gives the same path. */
	faux_root = root_device_register("faux");
	if (IS_ERR(faux_root))
		return PTR_ERR(faux_root);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		root_device_unregister(faux_root);
		return -ENOMEM;
	}
	dev->parent = faux_root;
	dev->release = tdx_host_release;
	dev->groups = sim_abi == SIM_ABI_V4 ? tdx_host_v4_groups : tdx_host_mainline_groups;
	dev_set_name(dev, "tdx_host");
	r = device_register(dev);
	if (r) {
		put_device(dev);
		root_device_unregister(faux_root);
		return r;
	}
	tdx_host = dev;
	return 0;
}

static void sim_destroy_tdx_host(void)
{
	device_unregister(tdx_host);
	root_device_unregister(faux_root);
}

static void sim_free_crypto(void)
{
	if (!IS_ERR_OR_NULL(rsa_sha384))
		crypto_free_sig(rsa_sha384);
	if (!IS_ERR_OR_NULL(sha256))
		crypto_free_shash(sha256);
	if (!IS_ERR_OR_NULL(sha384))
		crypto_free_shash(sha384);
}

static int sim_alloc_crypto(void)
{
	sha384 = crypto_alloc_shash("sha384", 0, 0);
	sha256 = crypto_alloc_shash("sha256", 0, 0);
	rsa_sha384 = crypto_alloc_sig("pkcs1pad(rsa,sha384)", 0, 0);
	if (IS_ERR(sha384) || IS_ERR(sha256) || IS_ERR(rsa_sha384)) {
		int r = IS_ERR(sha384)	 ? PTR_ERR(sha384)
			: IS_ERR(sha256) ? PTR_ERR(sha256)
					 : PTR_ERR(rsa_sha384);

		pr_err("cannot allocate sha384, sha256 or pkcs1pad(rsa,sha384): %d\n", r);
		sim_free_crypto();
		return r;
	}
	return 0;
}

static int __init tdx_host_sim_init(void)
{
	int r;

	r = sim_parse_params();
	if (r)
		return r;
	sim_reset_state();

	r = sim_alloc_crypto();
	if (r)
		return r;

	r = sim_create_tdx_host();
	if (r)
		goto free_hash;

	if (runtime_update) {
		/* NULL owner: THIS_MODULE would pin us and make rmmod fail. */
		tdx_fwl = firmware_upload_register(NULL, tdx_host, "tdx_module", &sim_fw_ops, NULL);
		if (IS_ERR(tdx_fwl)) {
			r = PTR_ERR(tdx_fwl);
			tdx_fwl = NULL;
			goto destroy_dev;
		}
	} else {
		pr_info("Current TDX Module cannot be updated. Consider BIOS updates\n");
	}
	sim_debugfs_init();
	pr_info("module %s, P-SEAMLDR %s, %u updates left, abi %s, format 0x%x\n", module_version,
		seamldr_version, num_remaining_updates, abi, sim_format);
	return 0;

destroy_dev:
	sim_destroy_tdx_host();
free_hash:
	sim_free_crypto();
	return r;
}

static void __exit tdx_host_sim_exit(void)
{
	debugfs_remove_recursive(sim_debugfs);
	if (tdx_fwl)
		firmware_upload_unregister(tdx_fwl);
	sim_destroy_tdx_host();
	sim_free_crypto();
}

module_init(tdx_host_sim_init);
module_exit(tdx_host_sim_exit);

MODULE_DESCRIPTION("Simulated tdx-host driver, TDX module and P-SEAMLDR for tests");
MODULE_AUTHOR("tdxctl project");
MODULE_LICENSE("GPL");
