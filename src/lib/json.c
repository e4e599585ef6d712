// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON views with stable snake_case keys. Every key below is always present;
 * a value that is not known is null, never a missing key. Versions are
 * "X.Y.ZZ" strings, hex values are lower-case "0x..." strings, dates are
 * "YYYY-MM-DD" (the sigstruct's BCD date; the raw "0x..." value if it is not
 * valid BCD), hashes are lower-case hex strings.
 *
 * host (tdx_json_host):
 *   sysfs_root               string  root the sysfs paths hang off ("/sys")
 *   abi_layout               string  "mainline" | "seamldr-dir" | "seamldr-upload" | "unknown"
 *   image_format             string  image format the kernel takes: "0x200" | "0x100" | null
 *   module_state             string  "absent" | "running" | "lost" | "unknown"
 *   module_version           string  running module version, null when unreadable
 *   module_version_error     string  why it is unreadable (strerror), null when readable
 *   seamldr_version          string  P-SEAMLDR version, null when unreadable (not root, hidden)
 *   seamldr_version_error    string  strerror text, null when readable
 *   num_remaining_updates    int     updates left until reboot, null when unreadable
 *   num_remaining_updates_error string strerror text, null when readable
 *   runtime_update           string  "supported" | "no-tdx-host" | "hidden" | "no-fw-upload"
 *   runtime_update_reason    string  one sentence why not, null when supported
 *   cpu_signature            string  CPUID.1.EAX, "0x806f8"
 *   cpu_platform             string  "Sapphire Rapids", null when not a known TDX platform
 *
 * sigstruct (tdx_json_sigstruct; the same keys are merged into candidate and image):
 *   debug                    bool    debug-signed (module_type bit 31)
 *   build_date               string  "2025-02-19"
 *   seam_svn                 int     SEAM SVN, major in the high byte (0x010b = 267)
 *   seamhash                 string  SHA-384 of the module = MRSEAM, 96 hex digits
 *   cpuid_table              array   of hex strings, CPUID.1.EAX values with stepping
 *   module_vendor            string  "0x8086"   (tdx_json_sigstruct only)
 *   header_type              int     6          (tdx_json_sigstruct only)
 *
 * candidate (tdx_json_candidate), one per store entry:
 *   version                  string
 *   installable              bool    no reason forbids installing it now
 *   reasons                  array   reason keys (tdx_reason_to_string), empty when installable:
 *                                    cpu_unsupported, seamldr_unsupported, series_mismatch,
 *                                    downgrade, below_min_version, strict_compat, debug_signed,
 *                                    running, no_mapping, bad_image, seamldr_unknown,
 *                                    signature_invalid, untrusted_key, not_approved
 *   running                  bool    this is the running version
 *   min_td_preserving        string  mapping min_module_version_for_td_preserving, null if unmapped
 *   image_path               string  the joined blob, else the separate .bin
 *   image_format             string  "0x100" | "0x200" of the blob, null for separate files only
 *   sigstruct_error          string  why the sigstruct could not be read, null when it was
 *   + the sigstruct keys debug, build_date, seam_svn, seamhash, cpuid_table (null when unread)
 *
 * plan (tdx_json_plan):
 *   from                     string  running version
 *   to                       string  target version (last hop)
 *   hops                     array   of {version, reason}; reason is "target", "reinstall" or
 *                                    why an intermediate hop is needed ("needed: 1.5.20 needs a
 *                                    running module of at least 1.5.06")
 *
 * preflight (tdx_json_preflight):
 *   passed                   bool    every check that ran passed
 *   first_failure            string  check key of the first failure, null when none
 *   checks                   array   of {check, ran, passed, message}; passed and message are
 *                                    null for a check that did not run. check keys: see
 *                                    tdx_check_to_string ("cpus_online", ...)
 *
 * hop result (tdx_json_hop_result):
 *   from, to                 string
 *   attempted                bool    bytes were written to the kernel
 *   outcome                  string  "success" | "refused" | "busy" | "fatal" | "timeout" |
 *                                    "io-error" (tdx_update_outcome_to_string); null if !attempted
 *   error                    string  fw_upload error key ("firmware-invalid"), null when none
 *   fw_error_raw             string  the error attribute verbatim, null when empty
 *   version_after            string  version read after the upload, null when unreadable
 *   remaining_before         int
 *   remaining_after          int     null when unknown
 *   image_sha256             string  SHA-256 of the bytes written
 *   seamhash                 string  MRSEAM of the module written
 *   seam_svn                 int
 *   build_date               string
 *   converted                bool    the image was re-packed for this kernel's format
 *   image_format             string  format written
 *   write_ms, install_ms     number  milliseconds, 3 decimals
 *   polls                    int     status reads until idle
 *   preflight                object  as above
 *
 * image (tdx_json_image):
 *   path                     string  null when not from a file
 *   format                   string  "0x100" | "0x200"
 *   size                     int     bytes
 *   checksum                 string  header field, "0x1234"
 *   checksum_ok              bool    16-bit sum of the whole image is zero
 *   sigstruct_offset, module_offset, module_size, module_pages   int
 *   + the sigstruct keys debug, build_date, seam_svn, seamhash, cpuid_table
 *
 * store problems (tdx_json_store_problems):
 *   root                     string
 *   problems                 array   of {path, message}
 *   missing_images           array   of versions listed in the mapping without an image
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <tdx/cpu.h>
#include <tdx/hash.h>
#include <tdx/json.h>
#include "json-internal.h"

static bool put(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return false;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

/* Appends v to array a; false (and v freed) when v is NULL from OOM or the append fails. */
static bool append(json_object *a, json_object *v)
{
	if (!v)
		return false;
	if (json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

static bool put_null(json_object *o, const char *key)
{
	return json_object_object_add(o, key, NULL) == 0;
}

static bool put_str(json_object *o, const char *key, const char *s)
{
	return s ? put(o, key, json_object_new_string(s)) : put_null(o, key);
}

static bool put_bool(json_object *o, const char *key, bool b)
{
	return put(o, key, json_object_new_boolean(b));
}

static bool put_int(json_object *o, const char *key, int64_t v)
{
	return put(o, key, json_object_new_int64(v));
}

const char *tdx_json_hex_text(uint32_t v, int digits, char buf[static TDX_JSON_HEX_MAX])
{
	snprintf(buf, TDX_JSON_HEX_MAX, "0x%0*x", digits, v);
	return buf;
}

static bool put_hex(json_object *o, const char *key, int digits, uint32_t v)
{
	char buf[TDX_JSON_HEX_MAX];

	return put_str(o, key, tdx_json_hex_text(v, digits, buf));
}

static bool put_version(json_object *o, const char *key, const struct tdx_version *v)
{
	return v ? put(o, key, tdx_json_version(v)) : put_null(o, key);
}

static bool put_errno(json_object *o, const char *key, int err)
{
	return err ? put_str(o, key, strerror(-err)) : put_null(o, key);
}

static bool put_hash(json_object *o, const char *key, const uint8_t *data, size_t size)
{
	char hex[2 * TDX_SHA384_SIZE + 1];

	if (size > TDX_SHA384_SIZE)
		return false;
	return put_str(o, key, tdx_hex(data, size, hex));
}

/* Milliseconds with 3 decimals, serialised exactly as formatted. */
static bool put_ms(json_object *o, const char *key, uint64_t usec)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03" PRIu64, usec / 1000, usec % 1000);
	return put(o, key, json_object_new_double_s((double)usec / 1000.0, buf));
}

static bool is_bcd(uint32_t v)
{
	for (; v; v >>= 4)
		if ((v & 0xf) > 9)
			return false;
	return true;
}

/* Anything but BCD stays visible as raw hex. */
const char *tdx_json_date_text(uint32_t date, char buf[static TDX_JSON_HEX_MAX])
{
	if (!is_bcd(date))
		return tdx_json_hex_text(date, 8, buf);
	snprintf(buf, TDX_JSON_HEX_MAX, "%04x-%02x-%02x", date >> 16, (date >> 8) & 0xff,
		 date & 0xff);
	return buf;
}

static bool put_date(json_object *o, const char *key, uint32_t date)
{
	char buf[TDX_JSON_HEX_MAX];

	return put_str(o, key, tdx_json_date_text(date, buf));
}

static json_object *cpuid_table(const struct tdx_sigstruct_summary *s)
{
	_cleanup_(json_object_putp) json_object *a = json_object_new_array();
	char buf[TDX_JSON_HEX_MAX];

	if (!a)
		return NULL;
	for (uint32_t i = 0; i < s->cpuid_count && i < TDX_CPUID_TABLE_MAX; i++) {
		if (!append(a,
			    json_object_new_string(tdx_json_hex_text(s->cpuid_table[i], 0, buf))))
			return NULL;
	}
	return TAKE_PTR(a);
}

/* The sigstruct keys shared by candidate, image and sigstruct; null when s is NULL. */
static bool put_sig_fields(json_object *o, const struct tdx_sigstruct_summary *s)
{
	if (!s)
		return put_null(o, "debug") && put_null(o, "build_date") &&
		       put_null(o, "seam_svn") && put_null(o, "seamhash") &&
		       put_null(o, "cpuid_table");
	return put_bool(o, "debug", s->debug) && put_date(o, "build_date", s->date) &&
	       put_int(o, "seam_svn", s->seam_svn) &&
	       put_hash(o, "seamhash", s->seamhash, TDX_SEAMHASH_SIZE) &&
	       put(o, "cpuid_table", cpuid_table(s));
}

const char *tdx_json_format_or_null(enum tdx_image_format f)
{
	return f == TDX_IMAGE_FORMAT_INVALID ? NULL : tdx_image_format_to_string(f);
}

json_object *tdx_json_version(const struct tdx_version *v)
{
	char buf[TDX_VERSION_STRING_MAX];

	return json_object_new_string(tdx_version_format(v, buf));
}

json_object *tdx_json_host(const struct tdx_host *h, uint32_t cpu_signature)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	bool supported = h->update_support == TDX_UPDATE_SUPPORTED;

	if (!o)
		return NULL;
	if (!put_str(o, "sysfs_root", h->paths.sysfs_root) ||
	    !put_str(o, "abi_layout", tdx_abi_layout_to_string(h->layout)) ||
	    !put_str(o, "image_format", tdx_json_format_or_null(h->image_format)) ||
	    !put_str(o, "module_state", tdx_module_state_to_string(h->module_state)) ||
	    !put_version(o, "module_version", h->version_err ? NULL : &h->module_version) ||
	    !put_errno(o, "module_version_error", h->version_err) ||
	    !put_version(o, "seamldr_version", h->seamldr_err ? NULL : &h->seamldr_version) ||
	    !put_errno(o, "seamldr_version_error", h->seamldr_err) ||
	    (h->remaining_err ? !put_null(o, "num_remaining_updates")
			      : !put_int(o, "num_remaining_updates", h->num_remaining_updates)) ||
	    !put_errno(o, "num_remaining_updates_error", h->remaining_err) ||
	    !put_str(o, "runtime_update", tdx_update_support_to_string(h->update_support)) ||
	    !put_str(o, "runtime_update_reason",
		     supported ? NULL : tdx_update_support_describe(h->update_support)) ||
	    !put_hex(o, "cpu_signature", 0, cpu_signature) ||
	    !put_str(o, "cpu_platform", tdx_cpu_platform_name(cpu_signature)))
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_json_sigstruct(const struct tdx_sigstruct_info *s)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	struct tdx_sigstruct_summary sum;

	if (!o)
		return NULL;
	tdx_sigstruct_summarize(s, &sum);
	if (!put_int(o, "header_type", s->header_type) ||
	    !put_hex(o, "module_vendor", 0, s->module_vendor) || !put_sig_fields(o, &sum))
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_json_image(const struct tdx_image *img, const char *path)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	struct tdx_sigstruct_summary sum;

	if (!o)
		return NULL;
	tdx_sigstruct_summarize(&img->sig, &sum);
	if (!put_str(o, "path", path) ||
	    !put_str(o, "format", tdx_json_format_or_null(img->format)) ||
	    !put_int(o, "size", img->size) || !put_hex(o, "checksum", 4, img->checksum) ||
	    !put_bool(o, "checksum_ok", img->checksum_ok) ||
	    !put_int(o, "sigstruct_offset", img->sigstruct_offset) ||
	    !put_int(o, "module_offset", img->module_offset) ||
	    !put_int(o, "module_size", img->module_size) ||
	    !put_int(o, "module_pages", img->module_size / TDX_PAGE_SIZE) ||
	    !put_sig_fields(o, &sum))
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_json_reasons(uint32_t reasons)
{
	_cleanup_(json_object_putp) json_object *a = json_object_new_array();

	if (!a)
		return NULL;
	for (int i = 0; i < TDX_REASON_COUNT; i++) {
		if (!(reasons & (1u << i)))
			continue;
		if (!append(a, json_object_new_string(
				       tdx_reason_to_string((enum tdx_reason)(1u << i)))))
			return NULL;
	}
	return TAKE_PTR(a);
}

json_object *tdx_json_candidate(const struct tdx_candidate *c, const struct tdx_version *running)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	const struct tdx_store_entry *e = c->entry;
	bool sig_ok = e->sig_state == TDX_SIG_OK;

	if (!o)
		return NULL;
	if (!put_version(o, "version", &e->version) ||
	    !put_bool(o, "installable", c->reasons == 0) ||
	    !put(o, "reasons", tdx_json_reasons(c->reasons)) ||
	    !put_bool(o, "running", running && tdx_version_equal(running, &e->version)) ||
	    !put_version(o, "min_td_preserving",
			 e->release ? &e->release->min_td_preserving : NULL) ||
	    !put_str(o, "image_path", e->blob_path ? e->blob_path : e->bin_path) ||
	    !put_str(o, "image_format",
		     e->blob_path ? tdx_json_format_or_null(e->blob_format) : NULL) ||
	    !put_str(o, "sigstruct_error", e->sig_state == TDX_SIG_ERROR ? e->sig_error : NULL) ||
	    !put_sig_fields(o, sig_ok ? &e->sig : NULL))
		return NULL;
	return TAKE_PTR(o);
}

static json_object *plan_hop(const struct tdx_plan *p, size_t i)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	char why[TDX_DIAG_MAX];

	if (!o)
		return NULL;
	if (!put_version(o, "version", &p->hops[i]->version) ||
	    !put_str(o, "reason", tdx_plan_describe_hop(p, i, why)))
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_json_plan(const struct tdx_plan *p)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	_cleanup_(json_object_putp) json_object *hops = json_object_new_array();

	if (!o || !hops)
		return NULL;
	for (size_t i = 0; i < p->n_hops; i++)
		if (!append(hops, plan_hop(p, i)))
			return NULL;
	if (!put_version(o, "from", &p->from) ||
	    !put_version(o, "to", p->n_hops ? &p->hops[p->n_hops - 1]->version : NULL) ||
	    !put(o, "hops", TAKE_PTR(hops)))
		return NULL;
	return TAKE_PTR(o);
}

static json_object *preflight_check(const struct tdx_check_result *c, enum tdx_check which)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (!put_str(o, "check", tdx_check_to_string(which)) || !put_bool(o, "ran", c->ran) ||
	    !(c->ran ? put_bool(o, "passed", c->passed) : put_null(o, "passed")) ||
	    !put_str(o, "message", c->ran ? c->msg : NULL))
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_json_preflight(const struct tdx_preflight *p)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	_cleanup_(json_object_putp) json_object *checks = json_object_new_array();
	enum tdx_check first = tdx_preflight_first_failure(p);

	if (!o || !checks)
		return NULL;
	for (int i = 0; i < TDX_CHECK_COUNT; i++)
		if (!append(checks, preflight_check(&p->checks[i], i)))
			return NULL;
	if (!put_bool(o, "passed", tdx_preflight_passed(p)) ||
	    !put_str(o, "first_failure",
		     first == TDX_CHECK_COUNT ? NULL : tdx_check_to_string(first)) ||
	    !put(o, "checks", TAKE_PTR(checks)))
		return NULL;
	return TAKE_PTR(o);
}

static bool put_fw_fields(json_object *o, const struct tdx_hop_result *r)
{
	const struct tdx_fwupload_result *fw = &r->fw;
	bool has_error = r->attempted && fw->error.code != TDX_FW_ERROR_NONE;

	return put_str(o, "outcome",
		       r->attempted ? tdx_update_outcome_to_string(r->outcome) : NULL) &&
	       put_str(o, "error", has_error ? tdx_fw_error_to_string(fw->error.code) : NULL) &&
	       put_str(o, "fw_error_raw",
		       r->attempted && fw->error.raw[0] ? fw->error.raw : NULL) &&
	       put_version(o, "version_after",
			   r->attempted && fw->version_after_known ? &fw->version_after : NULL) &&
	       put_ms(o, "write_ms", fw->write_usec) && put_ms(o, "install_ms", fw->install_usec) &&
	       put_int(o, "polls", fw->polls);
}

json_object *tdx_json_hop_result(const struct tdx_hop_result *r)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (!put_version(o, "from", &r->from) || !put_version(o, "to", &r->to) ||
	    !put_bool(o, "attempted", r->attempted) || !put_fw_fields(o, r) ||
	    !put_int(o, "remaining_before", r->remaining_before) ||
	    !(r->remaining_after_known ? put_int(o, "remaining_after", r->remaining_after)
				       : put_null(o, "remaining_after")) ||
	    !put_hash(o, "image_sha256", r->image_sha256, TDX_SHA256_SIZE) ||
	    !put_hash(o, "seamhash", r->seamhash, TDX_SEAMHASH_SIZE) ||
	    !put_int(o, "seam_svn", r->seam_svn) || !put_date(o, "build_date", r->build_date) ||
	    !put_bool(o, "converted", r->converted) ||
	    !put_str(o, "image_format", tdx_json_format_or_null(r->format)) ||
	    !put(o, "preflight", tdx_json_preflight(&r->preflight)))
		return NULL;
	return TAKE_PTR(o);
}

static json_object *store_problem(const struct tdx_store_problem *p)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (!put_str(o, "path", p->path) || !put_str(o, "message", p->message))
		return NULL;
	return TAKE_PTR(o);
}

json_object *tdx_json_store_problems(const struct tdx_store *s)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	_cleanup_(json_object_putp) json_object *problems = json_object_new_array();
	_cleanup_(json_object_putp) json_object *missing = json_object_new_array();

	if (!o || !problems || !missing)
		return NULL;
	for (size_t i = 0; i < s->n_problems; i++)
		if (!append(problems, store_problem(&s->problems[i])))
			return NULL;
	for (size_t i = 0; i < s->n_missing_images; i++)
		if (!append(missing, tdx_json_version(&s->missing_images[i])))
			return NULL;
	if (!put_str(o, "root", s->root) || !put(o, "problems", TAKE_PTR(problems)) ||
	    !put(o, "missing_images", TAKE_PTR(missing)))
		return NULL;
	return TAKE_PTR(o);
}
