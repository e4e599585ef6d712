/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text and JSON rendering of verb results. Works only from the structs in
 * output.h, never from sysfs or the store, so whoever computed the result
 * (this process or tdxd) gets the same output.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tdx/cpu.h>
#include <tdx/hash.h>
#include <tdx/json.h>
#include "output.h"
#include "verbs.h"

/* The colours of systemctl: green active, grey inactive, red failed. */
#define ANSI_NORMAL	      "\033[0m"
#define ANSI_GREEN	      "\033[0;32m"
#define ANSI_HIGHLIGHT_GREEN  "\033[0;1;32m"
#define ANSI_HIGHLIGHT_YELLOW "\033[0;1;33m"
#define ANSI_HIGHLIGHT_RED    "\033[0;1;31m"
#define ANSI_GREY	      "\033[0;38;5;245m"

/* The last error line, for a --json document of a command that stopped early. */
static char last_error[2 * TDX_DIAG_MAX];

/* NULL: stdout/stderr, looked up at each use (they are not constants). */
static FILE *out_stream, *err_stream;
static bool json_mode, color_mode;

void output_set_streams(FILE *out, FILE *err)
{
	out_stream = out;
	err_stream = err;
}

void output_set_json(bool json)
{
	json_mode = json;
}

bool output_is_json(void)
{
	return json_mode;
}

void output_set_color(bool color)
{
	color_mode = color;
}

bool output_is_color(void)
{
	return color_mode;
}

/*
 * The terminal rule of systemd (on_tty(), getenv_terminal_is_dumb()) and
 * no-color.org: both streams on a terminal, TERM set and not "dumb", NO_COLOR
 * unset or empty.
 */
bool output_color_wanted(void)
{
	const char *term = getenv("TERM"), *no_color = getenv("NO_COLOR");

	if (no_color && *no_color)
		return false;
	if (!term || strcmp(term, "dumb") == 0)
		return false;
	return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

/* An escape sequence, or "" without colour. */
static const char *ansi(const char *seq)
{
	return color_mode ? seq : "";
}

static const char *ansi_off(void)
{
	return ansi(ANSI_NORMAL);
}

FILE *output_out(void)
{
	return out_stream ?: stdout;
}

FILE *output_err(void)
{
	return err_stream ?: stderr;
}

void log_errorv(const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	fprintf(output_err(), "tdxctl: %s\n", last_error);
}

const char *log_last_error(void)
{
	return last_error;
}

int log_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errorv(fmt, ap);
	va_end(ap);
	return err;
}

char *error_at(const char *path, int err, const struct tdx_diag *diag)
{
	const char *why = diag && diag->msg[0] ? diag->msg : strerror(-err);
	char *s;

	/* Library messages often name the file already. */
	if (strncmp(why, path, strlen(path)) == 0)
		return strdup(why);
	return asprintf(&s, "%s: %s", path, why) < 0 ? NULL : s;
}

int log_error_at(int err, const char *path, const struct tdx_diag *diag)
{
	_cleanup_free_ char *msg = error_at(path, err, diag);

	return log_error(err, "%s", msg ? msg : "out of memory");
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(output_err(), fmt, ap);
	va_end(ap);
	fputc('\n', output_err());
}

int output_json(json_object *o)
{
	_cleanup_(json_object_putp) json_object *owned = o;
	_cleanup_free_ char *text = NULL;

	if (!owned)
		return log_error(-ENOMEM, "out of memory");
	/* paths in the document are any bytes; JSON is UTF-8 */
	text = tdx_utf8_sanitize(
		strdup(json_object_to_json_string_ext(owned, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE)
			       ?: ""));
	if (!text)
		return log_error(-ENOMEM, "out of memory");
	if (fputs(text, output_out()) < 0 || fputc('\n', output_out()) < 0 ||
	    fflush(output_out()) != 0)
		return log_error(-EIO, "cannot write to stdout");
	return 0;
}

int json_add(json_object *o, const char *key, json_object *value)
{
	if (!value)
		return -ENOMEM;
	if (!o || json_object_object_add(o, key, value) < 0) {
		json_object_put(value);
		return -ENOMEM;
	}
	return 0;
}

/* Appends v to array a, taking v (freed on failure); -ENOMEM when v is NULL. */
static int json_append(json_object *a, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* A version, or JSON null when v is NULL. */
static json_object *json_version_or_null(const struct tdx_version *v)
{
	return v ? tdx_json_version(v) : NULL;
}

static const char *version_str(const struct tdx_version *v, char buf[static TDX_VERSION_STRING_MAX])
{
	return tdx_version_format(v, buf);
}

/* BCD 0xYYYYMMDD as "YYYY-MM-DD". */
static const char *bcd_date(uint32_t d, char buf[static 16])
{
	snprintf(buf, 16, "%04x-%02x-%02x", d >> 16, (d >> 8) & 0xff, d & 0xff);
	return buf;
}

/* ---- status ---- */

static const char *errno_words(int err)
{
	if (err == -EACCES || err == -EPERM)
		return "permission denied (root only)";
	if (err == -ENOENT)
		return "not provided by this kernel";
	return strerror(-err);
}

static void print_module_line(const struct tdx_host *h)
{
	char v[TDX_VERSION_STRING_MAX];

	switch (h->module_state) {
	case TDX_MODULE_RUNNING:
		fprintf(output_out(), "         Module: %s (%srunning%s)\n",
			version_str(&h->module_version, v), ansi(ANSI_HIGHLIGHT_GREEN), ansi_off());
		break;
	case TDX_MODULE_LOST:
		fprintf(output_out(),
			"         Module: %sLOST (version reads ENXIO: TDs are gone, reboot "
			"needed)%s\n",
			ansi(ANSI_HIGHLIGHT_RED), ansi_off());
		break;
	case TDX_MODULE_ABSENT:
		fprintf(output_out(), "         Module: absent (no tdx_host device)\n");
		break;
	default:
		fprintf(output_out(), "         Module: %sunknown%s (%s)\n",
			ansi(ANSI_HIGHLIGHT_YELLOW), ansi_off(), errno_words(h->version_err));
		break;
	}
}

static void print_seamldr_lines(const struct tdx_host *h)
{
	char v[TDX_VERSION_STRING_MAX];

	if (h->seamldr_err == 0)
		fprintf(output_out(), "      P-SEAMLDR: %s\n", version_str(&h->seamldr_version, v));
	else
		fprintf(output_out(), "      P-SEAMLDR: unknown (%s)\n",
			errno_words(h->seamldr_err));
	if (h->remaining_err == 0)
		fprintf(output_out(), "   Updates left: %u\n", h->num_remaining_updates);
	else
		fprintf(output_out(), "   Updates left: unknown (%s)\n",
			errno_words(h->remaining_err));
}

static void print_best_update(const struct cli_best_update *b)
{
	char v[TDX_VERSION_STRING_MAX];

	/* -ENODATA: an input the decision needs is unknown; never "none" */
	if (!b->store_ok || b->err == -ENODATA)
		fprintf(output_out(), "    Best update: unknown (%s)\n", b->msg);
	else if (b->err == 0)
		fprintf(output_out(), "    Best update: %s%s%s (%zu update%s)\n",
			ansi(ANSI_HIGHLIGHT_YELLOW), version_str(&b->target, v), ansi_off(),
			b->n_hops, b->n_hops == 1 ? "" : "s");
	else
		fprintf(output_out(), "    Best update: none (%s)\n", b->msg);
}

static void print_status_text(const struct cli_status *s)
{
	const struct tdx_host *h = s->host;
	const char *platform = s->cpu_err ? NULL : tdx_cpu_platform_name(s->cpu_signature);

	print_module_line(h);
	print_seamldr_lines(h);
	fprintf(output_out(), " Runtime update: %s\n",
		h->update_support == TDX_UPDATE_SUPPORTED
			? "supported"
			: tdx_update_support_describe(h->update_support));
	if (s->cpu_err)
		fprintf(output_out(), "            CPU: unknown (%s)\n", strerror(-s->cpu_err));
	else
		fprintf(output_out(), "            CPU: 0x%x (%s)\n", s->cpu_signature,
			platform ? platform : "unknown platform");
	fprintf(output_out(), "     Kernel ABI: %s, image format %s\n",
		tdx_abi_layout_to_string(h->layout),
		h->image_format ? tdx_image_format_to_string(h->image_format) : "none");
	if (!h->paths.fwupload_dir)
		fprintf(output_out(), "      fw_upload: absent\n");
	else if (s->fw_status_err)
		fprintf(output_out(), "      fw_upload: unknown (%s)\n",
			errno_words(s->fw_status_err));
	else
		fprintf(output_out(), "      fw_upload: %s\n",
			tdx_fw_status_to_string(s->fw_status));
	fprintf(output_out(), "          Store: %s\n", s->store_path);
	print_best_update(&s->best);
}

static json_object *json_best_update(const struct cli_best_update *b)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	const char *state;

	if (!b->store_ok || b->err == -ENODATA)
		state = "unknown";
	else if (b->err == 0)
		state = "available";
	else if (b->err == -EALREADY)
		state = "up-to-date";
	else
		state = "none";
	if (json_add(o, "state", json_object_new_string(state)) < 0)
		return NULL;
	if (b->err == 0 && b->store_ok) {
		if (json_add(o, "version", tdx_json_version(&b->target)) < 0 ||
		    json_add(o, "hops", json_object_new_int64(b->n_hops)) < 0)
			return NULL;
	} else {
		if (json_add(o, "reason", json_object_new_string(b->msg)) < 0)
			return NULL;
	}
	return TAKE_PTR(o);
}

static json_object *json_status(const struct cli_status *s)
{
	_cleanup_(json_object_putp) json_object *o = tdx_json_host(s->host, s->cpu_signature);
	json_object *fw = NULL;

	if (!o)
		return NULL;
	if (s->host->paths.fwupload_dir && !s->fw_status_err) {
		fw = json_object_new_string(tdx_fw_status_to_string(s->fw_status));
		if (!fw)
			return NULL;
	}
	json_object_object_add(o, "fw_upload_status", fw);
	if (s->cpu_err)
		json_object_object_add(o, "cpu_signature", NULL);
	if (json_add(o, "store", json_object_new_string(s->store_path)) < 0 ||
	    json_add(o, "best_update", json_best_update(&s->best)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/* Every verb's output: one JSON document with --json, else the text. */
#define OUTPUT(json_of, print_text, view) \
	(json_mode ? output_json(json_of(view)) : (print_text(view), 0))

int output_status(const struct cli_status *s)
{
	return OUTPUT(json_status, print_status_text, s);
}

/* ---- list ---- */

static void print_candidate(const struct tdx_candidate *c, const struct tdx_version *running)
{
	const struct tdx_store_entry *e = c->entry;
	char v[TDX_VERSION_STRING_MAX], date[16], hex[2 * TDX_SEAMHASH_SIZE + 1];
	bool is_running = running && tdx_version_equal(&e->version, running);
	const char *state = c->reasons == 0 ? "installable" : is_running ? "running" : "blocked";
	const char *color = c->reasons == 0 ? ANSI_GREEN
			    : is_running    ? ANSI_HIGHLIGHT_GREEN
					    : ANSI_GREY;

	/* The padding outside the escapes, so that columns line up either way. */
	fprintf(output_out(), "%c %-9s %s%s%s%*s", is_running ? '*' : ' ',
		version_str(&e->version, v), ansi(color), state, ansi_off(),
		(int)(12 - strlen(state)), "");
	if (e->sig_state == TDX_SIG_OK)
		fprintf(output_out(), " svn 0x%04x  %s%s", e->sig.seam_svn,
			bcd_date(e->sig.date, date), e->sig.debug ? "  [debug]" : "");
	fputc('\n', output_out());
	/* The digest tdxd.conf ApprovedImages= lists (sigstruct SEAMHASH, the MRSEAM). */
	if (e->sig_state == TDX_SIG_OK)
		fprintf(output_out(), "      sha384 %s\n",
			tdx_hex(e->sig.seamhash, TDX_SEAMHASH_SIZE, hex));
	for (unsigned i = 0; i < TDX_REASON_COUNT; i++) {
		uint32_t bit = 1u << i;

		/* "running" already says it; the other reasons are the news. */
		if ((c->reasons & bit) && bit != TDX_REASON_RUNNING)
			fprintf(output_out(), "      - %s\n", tdx_reason_describe(bit));
	}
	if (e->sig_state == TDX_SIG_ERROR)
		fprintf(output_out(), "      - %s\n", e->sig_error);
}

static void print_store_problems(const struct tdx_store *s)
{
	char v[TDX_VERSION_STRING_MAX];

	for (size_t i = 0; i < s->n_problems; i++)
		log_error(0, "%s: %s", s->problems[i].path, s->problems[i].message);
	for (size_t i = 0; i < s->n_missing_images; i++)
		log_error(0, "%s: the mapping file lists %s but the store has no image for it",
			  s->root, version_str(&s->missing_images[i], v));
}

/* Lifts "problems" and "missing_images" of the store's JSON into o. */
static int json_add_store_problems(json_object *o, const struct tdx_store *s)
{
	_cleanup_(json_object_putp) json_object *sp = tdx_json_store_problems(s);
	static const char *const keys[] = {"problems", "missing_images"};

	if (!sp)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		json_object *v;

		if (!json_object_object_get_ex(sp, keys[i], &v))
			return -EINVAL;
		if (json_add(o, keys[i], json_object_get(v)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static json_object *json_list(const struct cli_list *l)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	json_object *arr = json_object_new_array();

	if (json_add(o, "store", json_object_new_string(l->store->root)) < 0 ||
	    json_add(o, "candidates", arr) < 0)
		return NULL;
	json_object_object_add(o, "running", json_version_or_null(l->running));
	for (size_t i = 0; i < l->n_candidates; i++)
		if (json_append(arr, tdx_json_candidate(&l->candidates[i], l->running)) < 0)
			return NULL;
	if (json_add_store_problems(o, l->store) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static void print_list_text(const struct cli_list *l)
{
	if (l->n_candidates == 0)
		fprintf(output_out(), "No module images in %s.\n", l->store->root);
	for (size_t i = 0; i < l->n_candidates; i++)
		print_candidate(&l->candidates[i], l->running);
	print_store_problems(l->store);
}

int output_list(const struct cli_list *l)
{
	return OUTPUT(json_list, print_list_text, l);
}

/* ---- plan ---- */

static void print_plan_text(const struct cli_plan *p)
{
	const struct tdx_plan *plan = p->plan;
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX], why[TDX_DIAG_MAX];
	const struct tdx_version *from = &plan->from;

	if (plan->n_hops == 0) {
		fprintf(output_out(), "Up to date: %s is running.\n", version_str(&plan->from, a));
		return;
	}
	fprintf(output_out(), "Plan: %s -> %s, %zu update%s", version_str(&plan->from, a),
		version_str(&plan->hops[plan->n_hops - 1]->version, b), plan->n_hops,
		plan->n_hops == 1 ? "" : "s");
	if (p->budget != UINT_MAX)
		fprintf(output_out(), " (%u allowed after the reserve)", p->budget);
	fprintf(output_out(), "\n");
	for (size_t i = 0; i < plan->n_hops; i++) {
		fprintf(output_out(), "  %zu. %s -> %s: %s\n", i + 1, version_str(from, a),
			version_str(&plan->hops[i]->version, b),
			tdx_plan_describe_hop(plan, i, why));
		from = &plan->hops[i]->version;
	}
}

static json_object *json_plan(const struct cli_plan *p)
{
	_cleanup_(json_object_putp) json_object *o = tdx_json_plan(p->plan);

	if (!o)
		return NULL;
	json_object_object_add(o, "budget",
			       p->budget == UINT_MAX ? NULL : json_object_new_int64(p->budget));
	json_object_object_add(o, "error", p->error ? json_object_new_string(p->error) : NULL);
	return TAKE_PTR(o);
}

int output_plan(const struct cli_plan *p)
{
	return OUTPUT(json_plan, print_plan_text, p);
}

/* ---- update ---- */

static void print_checks(const struct tdx_preflight *p)
{
	for (unsigned i = 0; i < TDX_CHECK_COUNT; i++) {
		const struct tdx_check_result *c = &p->checks[i];

		if (!c->ran)
			continue;
		fprintf(output_out(), "    %-6s %s: %s\n", c->passed ? "ok" : "FAILED",
			tdx_check_to_string(i), c->msg);
	}
}

void output_hop_line(const struct tdx_hop_result *r, FILE *f)
{
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];

	bool fatal = r->attempted && r->outcome == TDX_OUTCOME_FATAL;

	fprintf(f, "%s -> %s: %s%s%s", version_str(&r->from, a), version_str(&r->to, b),
		fatal ? ansi(ANSI_HIGHLIGHT_RED) : "",
		r->attempted ? tdx_update_outcome_to_string(r->outcome) : "not attempted",
		fatal ? ansi_off() : "");
	if (r->attempted)
		fprintf(f, " (write %.2f s, install %.2f s)", r->fw.write_usec / 1e6,
			r->fw.install_usec / 1e6);
	if (r->remaining_after_known)
		fprintf(f, ", %u update%s left", r->remaining_after,
			r->remaining_after == 1 ? "" : "s");
	if (r->attempted && r->fw.error.code != TDX_FW_ERROR_NONE)
		fprintf(f, ", error \"%s\"", r->fw.error.raw);
	fputc('\n', f);
}

void output_fatal_warning(const struct tdx_hop_result *r)
{
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];

	fprintf(output_err(),
		"\n%s"
		"tdxctl: ***************************************************************\n"
		"tdxctl: FATAL: the TDX module was lost during the update %s -> %s.\n"
		"tdxctl: Reading the module version fails with ENXIO.\n"
		"tdxctl: Every TD on this host has been killed. TDX is unusable until\n"
		"tdxctl: the host is REBOOTED. Do not retry the update.\n"
		"tdxctl: ***************************************************************%s\n",
		ansi(ANSI_HIGHLIGHT_RED), version_str(&r->from, a), version_str(&r->to, b),
		ansi_off());
}

/* Hop lines were printed live (output_hop_line); this is the summary. */
static void print_update_text(const struct cli_update *u)
{
	const struct tdx_plan *plan = u->plan ? u->plan->plan : NULL;
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];

	if (u->up_to_date && plan) {
		fprintf(output_out(), "Already up to date: %s is running.\n",
			version_str(&plan->from, a));
		return;
	}
	if (u->dry_run && u->plan)
		print_plan_text(u->plan);
	for (size_t i = 0; u->dry_run && i < u->n_results; i++) {
		const struct tdx_hop_result *r = &u->results[i];

		fprintf(output_out(), "Pre-flight %s -> %s:\n", version_str(&r->from, a),
			version_str(&r->to, b));
		print_checks(&r->preflight);
	}
	if (u->err || !plan || plan->n_hops == 0)
		return;
	if (u->dry_run)
		fprintf(output_out(), "Dry run: every check passed, nothing was written.\n");
	else if (u->n_results == plan->n_hops &&
		 u->results[u->n_results - 1].outcome == TDX_OUTCOME_SUCCESS)
		fprintf(output_out(), "Installed %s (%zu update%s).\n",
			version_str(&plan->hops[plan->n_hops - 1]->version, a), plan->n_hops,
			plan->n_hops == 1 ? "" : "s");
}

static const char *update_result_word(const struct cli_update *u)
{
	if (u->up_to_date)
		return "up-to-date";
	if (u->no_plan)
		return "no-plan";
	if (u->n_results > 0 && u->results[u->n_results - 1].attempted)
		return tdx_update_outcome_to_string(u->results[u->n_results - 1].outcome);
	if (u->err)
		return "refused";
	return u->dry_run ? "checked" : "success";
}

static json_object *json_update(const struct cli_update *u)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	json_object *hops = json_object_new_array();

	if (json_add(o, "dry_run", json_object_new_boolean(u->dry_run)) < 0 ||
	    json_add(o, "result", json_object_new_string(update_result_word(u))) < 0 ||
	    json_add(o, "hops", hops) < 0)
		return NULL;
	json_object_object_add(o, "plan", u->plan ? json_plan(u->plan) : NULL);
	json_object_object_add(o, "error",
			       u->err && u->msg ? json_object_new_string(u->msg) : NULL);
	for (size_t i = 0; i < u->n_results; i++)
		if (json_append(hops, tdx_json_hop_result(&u->results[i])) < 0)
			return NULL;
	return TAKE_PTR(o);
}

int output_update(const struct cli_update *u)
{
	return OUTPUT(json_update, print_update_text, u);
}

/* ---- blob info ---- */

static void print_cpuid_table(const struct tdx_sigstruct_info *sig)
{
	fprintf(output_out(), "      CPUs:");
	for (uint32_t i = 0; i < sig->cpuid_count && i < TDX_CPUID_TABLE_MAX; i++) {
		const char *name = tdx_cpu_platform_name(sig->cpuid_table[i]);

		fprintf(output_out(), "%s 0x%x (%s)", i ? "," : "", sig->cpuid_table[i],
			name ? name : "unknown");
	}
	fprintf(output_out(), "%s\n", sig->cpuid_count ? "" : " none");
}

/* "1 page", "4 pages" */
static const char *pages(size_t bytes, char buf[static 32])
{
	size_t n = bytes / TDX_PAGE_SIZE;

	snprintf(buf, 32, "%zu page%s", n, n == 1 ? "" : "s");
	return buf;
}

static void print_signature_text(const struct tdx_signature *s, bool trusted)
{
	char key[TDX_KEY_FINGERPRINT_HEX];

	switch (s->status) {
	case TDX_SIGNATURE_VALID:
		fprintf(output_out(), " Signature: valid (RSA-3072, PKCS#1 v1.5, SHA-384)\n");
		break;
	case TDX_SIGNATURE_MISMATCH:
		fprintf(output_out(), " Signature: DOES NOT VERIFY\n");
		break;
	case TDX_SIGNATURE_BAD_LAYOUT:
		fprintf(output_out(), " Signature: CANNOT BE CHECKED: %s\n", s->problem);
		break;
	case TDX_SIGNATURE_UNCHECKED:
		fprintf(output_out(), " Signature: not verified\n");
		break;
	}
	fprintf(output_out(), "Signed key: %s (%s)\n", tdx_hex(s->key_sha256, TDX_SHA256_SIZE, key),
		trusted ? "trusted" : "NOT TRUSTED");
}

static void print_image_text(const struct tdx_image *img, const char *path, bool seamhash_ok,
			     bool trusted)
{
	char hex[2 * TDX_SEAMHASH_SIZE + 1], date[16], n0[32], n1[32], n2[32];

	fprintf(output_out(), "      File: %s\n", path);
	fprintf(output_out(), "    Format: %s\n", tdx_image_format_to_string(img->format));
	fprintf(output_out(), "      Size: %zu bytes (%s)\n", img->size, pages(img->size, n0));
	fprintf(output_out(), "  Checksum: 0x%04x (%s)\n", img->checksum,
		img->checksum_ok ? "ok" : "BAD");
	fprintf(output_out(), " Sigstruct: offset 0x%zx, %zu bytes (%s)\n", img->sigstruct_offset,
		img->sigstruct_size, pages(img->sigstruct_size, n1));
	fprintf(output_out(), "    Module: offset 0x%zx, %zu bytes (%s)\n", img->module_offset,
		img->module_size, pages(img->module_size, n2));
	fprintf(output_out(), "     Debug: %s\n", img->sig.debug ? "yes (debug-signed)" : "no");
	fprintf(output_out(), "Build date: %s\n", bcd_date(img->sig.date, date));
	fprintf(output_out(), "  SEAM SVN: 0x%04x (major %u, minor %u)\n", img->sig.seam_svn,
		img->sig.seam_svn >> 8, img->sig.seam_svn & 0xff);
	fprintf(output_out(), "  Seamhash: %s\n",
		tdx_hex(img->sig.seamhash, TDX_SEAMHASH_SIZE, hex));
	fprintf(output_out(), "            %s\n",
		seamhash_ok ? "matches SHA-384 of the module"
			    : "DOES NOT MATCH SHA-384 of the module");
	print_signature_text(&img->sig.signature, trusted);
	print_cpuid_table(&img->sig);
}

/* Platform names parallel to the sigstruct's cpuid_table (null when unknown). */
static json_object *json_cpuid_platforms(const struct tdx_sigstruct_info *sig)
{
	_cleanup_(json_object_putp) json_object *a = json_object_new_array();

	if (!a)
		return NULL;
	for (uint32_t i = 0; i < sig->cpuid_count && i < TDX_CPUID_TABLE_MAX; i++) {
		const char *name = tdx_cpu_platform_name(sig->cpuid_table[i]);

		if (!name)
			json_object_array_add(a, NULL);
		else if (json_append(a, json_object_new_string(name)) < 0)
			return NULL;
	}
	return TAKE_PTR(a);
}

/* "signature": {"valid", "key_sha256", "trusted"} */
static json_object *json_signature(const struct tdx_signature *s, bool trusted)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	char key[TDX_KEY_FINGERPRINT_HEX];

	if (json_add(o, "valid", json_object_new_boolean(s->status == TDX_SIGNATURE_VALID)) < 0 ||
	    json_add(o, "key_sha256",
		     json_object_new_string(tdx_hex(s->key_sha256, TDX_SHA256_SIZE, key))) < 0 ||
	    json_add(o, "trusted", json_object_new_boolean(trusted)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static json_object *json_image(const struct tdx_image *img, const char *path, bool seamhash_ok,
			       bool trusted)
{
	_cleanup_(json_object_putp) json_object *o = tdx_json_image(img, path);

	if (json_add(o, "seamhash_ok", json_object_new_boolean(seamhash_ok)) < 0 ||
	    json_add(o, "signature", json_signature(&img->sig.signature, trusted)) < 0 ||
	    json_add(o, "cpuid_platforms", json_cpuid_platforms(&img->sig)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int output_image(const struct tdx_image *img, const char *path, bool seamhash_ok, bool trusted)
{
	if (json_mode)
		return output_json(json_image(img, path, seamhash_ok, trusted));
	print_image_text(img, path, seamhash_ok, trusted);
	return 0;
}

/* ---- mapping check ---- */

static json_object *json_mapping_check(const struct cli_mapping_check *m)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	json_object *versions = json_object_new_array(), *problems = json_object_new_array();
	const struct tdx_mapping *map = m->mapping;

	if (json_add(o, "path", json_object_new_string(m->path)) < 0 ||
	    json_add(o, "valid", json_object_new_boolean(map != NULL)) < 0 ||
	    json_add(o, "versions", versions) < 0 || json_add(o, "problems", problems) < 0)
		return NULL;
	json_object_object_add(
		o, "header_version",
		map && map->header_version ? json_object_new_string(map->header_version) : NULL);
	if (json_add(o, "releases", json_object_new_int64(map ? map->n_releases : 0)) < 0)
		return NULL;
	for (size_t i = 0; map && i < map->n_releases; i++)
		if (json_object_array_add(versions, tdx_json_version(&map->releases[i].version)) <
		    0)
			return NULL;
	if (!map && json_object_array_add(problems, json_object_new_string(m->error)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int output_mapping_check(const struct cli_mapping_check *m)
{
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];
	const struct tdx_mapping *map = m->mapping;

	if (!map)
		log_error(0, "%s", m->error);
	if (json_mode)
		return output_json(json_mapping_check(m));
	if (!map)
		return 0;
	fprintf(output_out(), "%s: valid, %zu release%s", m->path, map->n_releases,
		map->n_releases == 1 ? "" : "s");
	if (map->n_releases > 0)
		fprintf(output_out(), " (%s .. %s)", version_str(&map->releases[0].version, a),
			version_str(&map->releases[map->n_releases - 1].version, b));
	if (map->header_version)
		fprintf(output_out(), ", header version %s", map->header_version);
	fprintf(output_out(), "\n");
	return 0;
}
