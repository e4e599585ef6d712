/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text and JSON from the view documents (render.h). The text is drawn from
 * the same document --json prints, so there is nothing the text knows that a
 * script could not.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tdx/cpu.h>
#include <tdx/hash.h>
#include <tdx/json.h>
#include "log.h"
#include "render.h"
#include "seconds.h"
#include "verbs.h"

/* The colours of systemctl: green active, grey inactive, red failed. */
#define ANSI_NORMAL	      "\033[0m"
#define ANSI_GREEN	      "\033[0;32m"
#define ANSI_HIGHLIGHT_GREEN  "\033[0;1;32m"
#define ANSI_HIGHLIGHT_YELLOW "\033[0;1;33m"
#define ANSI_HIGHLIGHT_RED    "\033[0;1;31m"
#define ANSI_GREY	      "\033[0;38;5;245m"

/* An escape sequence, or "" without colour. */
static const char *ansi(const struct render_ctx *c, const char *seq)
{
	return c->color ? seq : "";
}

static const char *ansi_off(const struct render_ctx *c)
{
	return ansi(c, ANSI_NORMAL);
}

/* ---- reading documents: a missing or mistyped key is "not known" ---- */

static json_object *get(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool get_bool(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* false when the key is missing or not a number. */
static bool get_int(json_object *o, const char *key, int64_t *ret)
{
	json_object *v = get(o, key);

	if (!json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

static double get_double(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)
		       ? json_object_get_double(v)
		       : 0;
}

static size_t array_len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static json_object *array_at(json_object *a, size_t i)
{
	return json_object_array_get_idx(a, i);
}

/* A string for printing: "?" when the document lacks it. */
static const char *str_or(json_object *o, const char *key, const char *dflt)
{
	return get_str(o, key) ?: dflt;
}

static enum tdx_update_result result_of(json_object *doc)
{
	return tdx_update_result_from_string(get_str(doc, "result"));
}

int render_json(const struct render_ctx *c, json_object *doc)
{
	_cleanup_(json_object_putp) json_object *owned = doc;
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
	if (fputs(text, c->out) < 0 || fputc('\n', c->out) < 0 || fflush(c->out) != 0)
		return log_error(-EIO, "cannot write to stdout");
	return 0;
}

int render_json_streamed(const struct render_ctx *c)
{
	if (fputc('\n', c->out) < 0 || fflush(c->out) != 0)
		return log_error(-EIO, "cannot write to stdout");
	return 0;
}

/* With --json the document as it is, else fn's text; flushed either way. */
static int render_doc(const struct render_ctx *c, json_object *doc,
		      void (*text)(const struct render_ctx *c, json_object *doc))
{
	if (c->json)
		return render_json(c, json_object_get(doc));
	text(c, doc);
	if (fflush(c->out) != 0)
		return log_error(-EIO, "cannot write to stdout");
	return 0;
}

/* ---- exit codes ---- */

int exit_code_of_result(enum tdx_update_result r)
{
	switch (r) {
	case TDX_RESULT_SUCCESS:
	case TDX_RESULT_CHECKED:
	case TDX_RESULT_DRY_RUN_PASSED:
	case TDX_RESULT_UP_TO_DATE:
	case TDX_RESULT_PLANNED:
		return CLI_EXIT_SUCCESS;
	case TDX_RESULT_NO_PLAN:
		return CLI_EXIT_NO_PLAN;
	case TDX_RESULT_FATAL:
		return CLI_EXIT_FATAL;
	case TDX_RESULT_TIMEOUT:
		return CLI_EXIT_TIMEOUT;
	default:
		return CLI_EXIT_FAILURE;
	}
}

int exit_code_of_document(json_object *doc)
{
	return exit_code_of_result(result_of(doc));
}

int exit_code_of_status(json_object *doc)
{
	const char *state = get_str(doc, "module_state"),
		   *best = get_str(get(doc, "best_update"), "state");

	if (!state || strcmp(state, "running") != 0)
		return state && strcmp(state, "lost") == 0 ? CLI_EXIT_MODULE_LOST
							   : CLI_EXIT_STATE_UNKNOWN;
	/* An unknown input (P-SEAMLDR, the store) decides nothing, so it is not "fine". */
	if (!best || strcmp(best, "unknown") == 0)
		return CLI_EXIT_STATE_UNKNOWN;
	return strcmp(best, "available") == 0 ? CLI_EXIT_UPDATE_AVAILABLE : CLI_EXIT_SUCCESS;
}

/* ---- status ---- */

/* The words for an attribute that could not be read (the document has strerror text). */
static const char *errno_words(const char *error)
{
	if (!error)
		return "unknown error";
	if (strcmp(error, strerror(EACCES)) == 0 || strcmp(error, strerror(EPERM)) == 0)
		return "permission denied (root only)";
	if (strcmp(error, strerror(ENOENT)) == 0)
		return "not provided by this kernel";
	return error;
}

static void print_module_line(const struct render_ctx *c, json_object *d)
{
	const char *state = str_or(d, "module_state", "unknown");

	if (strcmp(state, "running") == 0)
		fprintf(c->out, "         Module: %s (%srunning%s)\n",
			str_or(d, "module_version", "?"), ansi(c, ANSI_HIGHLIGHT_GREEN),
			ansi_off(c));
	else if (strcmp(state, "lost") == 0)
		fprintf(c->out,
			"         Module: %sLOST (version reads ENXIO: TDs are gone, reboot "
			"needed)%s\n",
			ansi(c, ANSI_HIGHLIGHT_RED), ansi_off(c));
	else if (strcmp(state, "absent") == 0)
		fprintf(c->out, "         Module: absent (no tdx_host device)\n");
	else
		fprintf(c->out, "         Module: %sunknown%s (%s)\n",
			ansi(c, ANSI_HIGHLIGHT_YELLOW), ansi_off(c),
			errno_words(get_str(d, "module_version_error")));
}

static void print_seamldr_lines(const struct render_ctx *c, json_object *d)
{
	int64_t n;

	if (get_str(d, "seamldr_version"))
		fprintf(c->out, "      P-SEAMLDR: %s\n", get_str(d, "seamldr_version"));
	else
		fprintf(c->out, "      P-SEAMLDR: unknown (%s)\n",
			errno_words(get_str(d, "seamldr_version_error")));
	if (get_int(d, "num_remaining_updates", &n))
		fprintf(c->out, "   Updates left: %" PRId64 "\n", n);
	else
		fprintf(c->out, "   Updates left: unknown (%s)\n",
			errno_words(get_str(d, "num_remaining_updates_error")));
}

static void print_best_update(const struct render_ctx *c, json_object *b)
{
	const char *state = str_or(b, "state", "unknown");
	int64_t hops = 0;

	if (strcmp(state, "available") == 0) {
		(void)get_int(b, "hops", &hops);
		fprintf(c->out, "    Best update: %s%s%s (%" PRId64 " update%s)\n",
			ansi(c, ANSI_HIGHLIGHT_YELLOW), str_or(b, "version", "?"), ansi_off(c),
			hops, hops == 1 ? "" : "s");
	} else
		fprintf(c->out, "    Best update: %s (%s)\n",
			strcmp(state, "unknown") == 0 ? "unknown" : "none",
			str_or(b, "reason", ""));
}

static void print_status_text(const struct render_ctx *c, json_object *d)
{
	const char *cpu = get_str(d, "cpu_signature"), *fw = get_str(d, "fw_upload_status");

	print_module_line(c, d);
	print_seamldr_lines(c, d);
	fprintf(c->out, " Runtime update: %s\n",
		strcmp(str_or(d, "runtime_update", ""), "supported") == 0
			? "supported"
			: str_or(d, "runtime_update_reason", "unsupported"));
	if (!cpu)
		fprintf(c->out, "            CPU: unknown (%s)\n",
			str_or(d, "cpu_signature_error", "unknown error"));
	else
		fprintf(c->out, "            CPU: %s (%s)\n", cpu,
			str_or(d, "cpu_platform", "unknown platform"));
	fprintf(c->out, "     Kernel ABI: %s, image format %s\n",
		str_or(d, "abi_layout", "unknown"), str_or(d, "image_format", "none"));
	if (fw)
		fprintf(c->out, "      fw_upload: %s\n", fw);
	else if (get_str(d, "fw_upload_status_error"))
		fprintf(c->out, "      fw_upload: unknown (%s)\n",
			errno_words(get_str(d, "fw_upload_status_error")));
	else
		fprintf(c->out, "      fw_upload: absent\n");
	fprintf(c->out, "          Store: %s\n", str_or(d, "store", ""));
	print_best_update(c, get(d, "best_update"));
	if (array_len(get(d, "held_inhibitors")) > 0)
		render_held_inhibitors(c, get(d, "held_inhibitors"));
}

/* "9m 59s left" from an absolute expiry (CLOCK_REALTIME usec), or why it is unknown. */
static void print_time_left(const struct render_ctx *c, json_object *key)
{
	char left[TDX_TIMESPAN_MAX];
	struct timespec now;
	uint64_t n;
	int64_t exp;

	if (!get_int(key, "expires_usec", &exp)) {
		fputs("no known expiry", c->out);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	n = (uint64_t)now.tv_sec * USEC_PER_SEC + (uint64_t)now.tv_nsec / NSEC_PER_USEC;
	fprintf(c->out, "%s left",
		tdx_format_timespan((uint64_t)exp > n ? (uint64_t)exp - n : 0, left, sizeof(left)));
}

void render_held_inhibitors(const struct render_ctx *c, json_object *keys)
{
	if (array_len(keys) == 0)
		fputs("Held inhibitors: none\n", c->out);
	for (size_t i = 0; i < array_len(keys); i++) {
		json_object *k = array_at(keys, i);
		const char *why = str_or(k, "why", "");

		fprintf(c->out, "%s%s by %s, ", i == 0 ? "Held inhibitors: " : "                 ",
			str_or(k, "key", "?"), str_or(k, "who", "?"));
		print_time_left(c, k);
		fprintf(c->out, "%s%s\n", why[0] ? ": " : "", why);
	}
}

int render_status(const struct render_ctx *c, json_object *doc)
{
	return render_doc(c, doc, print_status_text);
}

/* ---- list ---- */

static enum tdx_reason reason_from_string(const char *key)
{
	for (unsigned i = 0; key && i < TDX_REASON_COUNT; i++)
		if (strcmp(tdx_reason_to_string(1u << i), key) == 0)
			return 1u << i;
	return 0;
}

static void print_candidate(const struct render_ctx *c, json_object *cand)
{
	bool installable = get_bool(cand, "installable"), running = get_bool(cand, "running");
	const char *state = installable ? "installable" : running ? "running" : "blocked";
	const char *color = installable ? ANSI_GREEN : running ? ANSI_HIGHLIGHT_GREEN : ANSI_GREY;
	json_object *reasons = get(cand, "reasons");
	int64_t svn;

	/* The padding outside the escapes, so that columns line up either way. */
	fprintf(c->out, "%c %-9s %s%s%s%*s", running ? '*' : ' ', str_or(cand, "version", "?"),
		ansi(c, color), state, ansi_off(c), (int)(12 - strlen(state)), "");
	if (get_int(cand, "seam_svn", &svn))
		fprintf(c->out, " svn 0x%04" PRIx64 "  %s%s", svn, str_or(cand, "build_date", "?"),
			get_bool(cand, "debug") ? "  [debug]" : "");
	fputc('\n', c->out);
	/* The digest tdxd.conf ApprovedImages= lists (sigstruct SEAMHASH, the MRSEAM). */
	if (get_int(cand, "seam_svn", &svn) && get_str(cand, "seamhash"))
		fprintf(c->out, "      sha384 %s\n", get_str(cand, "seamhash"));
	for (size_t i = 0; i < array_len(reasons); i++) {
		const char *key = json_object_get_string(array_at(reasons, i));
		enum tdx_reason bit = reason_from_string(key);

		/* "running" already says it; the other reasons are the news. */
		if (bit != TDX_REASON_RUNNING)
			fprintf(c->out, "      - %s\n", bit ? tdx_reason_describe(bit) : key);
	}
	if (get_str(cand, "sigstruct_error"))
		fprintf(c->out, "      - %s\n", get_str(cand, "sigstruct_error"));
}

static void print_store_problems(json_object *d)
{
	json_object *problems = get(d, "problems"), *missing = get(d, "missing_images");

	for (size_t i = 0; i < array_len(problems); i++)
		log_error(0, "%s: %s", str_or(array_at(problems, i), "path", "?"),
			  str_or(array_at(problems, i), "message", "?"));
	for (size_t i = 0; i < array_len(missing); i++)
		log_error(0, "%s: the mapping file lists %s but the store has no image for it",
			  str_or(d, "store", ""), json_object_get_string(array_at(missing, i)));
}

/* After the candidates: the empty store's line, then the problems on stderr. */
static void print_list_end(const struct render_ctx *c, json_object *d, size_t n_candidates)
{
	if (n_candidates == 0)
		fprintf(c->out, "No module images in %s.\n", str_or(d, "store", ""));
	fflush(c->out);
	print_store_problems(d);
}

static void print_list_text(const struct render_ctx *c, json_object *d)
{
	json_object *cands = get(d, "candidates");

	for (size_t i = 0; i < array_len(cands); i++)
		print_candidate(c, array_at(cands, i));
	print_list_end(c, d, array_len(cands));
}

int render_list_candidate(const struct render_ctx *c, json_object *cand)
{
	print_candidate(c, cand);
	return ferror(c->out) ? -EIO : 0;
}

int render_list_end(const struct render_ctx *c, json_object *doc, size_t n_candidates)
{
	print_list_end(c, doc, n_candidates);
	return ferror(c->out) ? -EIO : 0;
}

int render_list(const struct render_ctx *c, json_object *doc)
{
	return render_doc(c, doc, print_list_text);
}

/* ---- plan ---- */

static void print_plan_text(const struct render_ctx *c, json_object *d)
{
	json_object *hops = get(d, "hops");
	size_t n = array_len(hops);
	const char *from = str_or(d, "from", "?");
	int64_t budget;

	if (n == 0) {
		fprintf(c->out, "Up to date: %s is running.\n", from);
		return;
	}
	fprintf(c->out, "Plan: %s -> %s, %zu update%s", from, str_or(d, "to", "?"), n,
		n == 1 ? "" : "s");
	if (get_int(d, "budget", &budget))
		fprintf(c->out, " (%" PRId64 " allowed after the reserve)", budget);
	fprintf(c->out, "\n");
	for (size_t i = 0; i < n; i++) {
		json_object *h = array_at(hops, i);

		fprintf(c->out, "  %zu. %s -> %s: %s\n", i + 1, from, str_or(h, "version", "?"),
			str_or(h, "reason", ""));
		from = str_or(h, "version", "?");
	}
}

int render_plan(const struct render_ctx *c, json_object *doc)
{
	const char *error = get_str(doc, "error");

	/* No plan: the reason on stderr; --json still prints the decision. */
	if (error) {
		log_error(0, "%s", error);
		return c->json ? render_json(c, json_object_get(doc)) : 0;
	}
	return render_doc(c, doc, print_plan_text);
}

/* ---- update ---- */

void render_hop_line(const struct render_ctx *c, json_object *hop)
{
	bool attempted = get_bool(hop, "attempted");
	const char *outcome = attempted ? str_or(hop, "outcome", "?") : "not attempted";
	bool fatal = attempted && strcmp(outcome, "fatal") == 0;
	int64_t left;

	fprintf(c->out, "%s -> %s: %s%s%s", str_or(hop, "from", "?"), str_or(hop, "to", "?"),
		fatal ? ansi(c, ANSI_HIGHLIGHT_RED) : "", outcome, fatal ? ansi_off(c) : "");
	if (attempted) {
		char w[SECONDS_STRING_MAX], i[SECONDS_STRING_MAX];

		fprintf(c->out, " (write %s s, install %s s)",
			seconds_format(get_double(hop, "write_ms"), w),
			seconds_format(get_double(hop, "install_ms"), i));
	}
	if (get_int(hop, "remaining_after", &left))
		fprintf(c->out, ", %" PRId64 " update%s left", left, left == 1 ? "" : "s");
	if (attempted && get_str(hop, "error"))
		fprintf(c->out, ", error \"%s\"", str_or(hop, "fw_error_raw", ""));
	fputc('\n', c->out);
	fflush(c->out);
}

void render_fatal_warning(const struct render_ctx *c, json_object *hop)
{
	fprintf(c->err,
		"\n%s"
		"tdxctl: ***************************************************************\n"
		"tdxctl: FATAL: the TDX module was lost during the update %s -> %s.\n"
		"tdxctl: Reading the module version fails with ENXIO.\n"
		"tdxctl: Every TD on this host has been killed. TDX is unusable until\n"
		"tdxctl: the host is REBOOTED. Do not retry the update.\n"
		"tdxctl: ***************************************************************%s\n",
		ansi(c, ANSI_HIGHLIGHT_RED), str_or(hop, "from", "?"), str_or(hop, "to", "?"),
		ansi_off(c));
}

static bool hop_is(json_object *hop, const char *outcome)
{
	return get_bool(hop, "attempted") && strcmp(str_or(hop, "outcome", ""), outcome) == 0;
}

/* One line on stderr for every outcome but success (fatal has its own banner). */
static void log_outcome(json_object *doc, json_object *hop)
{
	const char *a = str_or(hop, "from", "?"), *b = str_or(hop, "to", "?"),
		   *raw = str_or(hop, "fw_error_raw", "");
	int64_t timeout = 0;

	if (hop_is(hop, "success") || hop_is(hop, "fatal"))
		return;
	if (hop_is(hop, "timeout")) {
		(void)get_int(doc, "upload_timeout_s", &timeout);
		log_error(0,
			  "%s -> %s: fw_upload did not finish within %" PRId64 " s; the module "
			  "state is unknown, run 'tdxctl status' before anything else",
			  a, b, timeout);
	} else if (hop_is(hop, "io-error"))
		log_error(0, "%s -> %s: could not drive fw_upload%s%s; %s still runs", a, b,
			  raw[0] ? ": " : "", raw, a);
	else
		log_error(0, "%s -> %s: refused%s%s; %s still runs, TDs are intact", a, b,
			  raw[0] ? ": " : "", raw, a);
}

/* The error line for a run that stopped before writing anything. */
static void log_refusal(const struct render_ctx *c, json_object *doc, json_object *last)
{
	json_object *pf = get(last, "preflight"), *checks = get(pf, "checks");
	const char *failed = get_str(pf, "first_failure");
	const char *hint = c->hint && failed && strcmp(failed, "lock") == 0 ? c->hint : "";

	for (size_t i = 0; failed && i < array_len(checks); i++) {
		json_object *chk = array_at(checks, i);
		const char *msg = get_str(chk, "message");

		if (strcmp(str_or(chk, "check", ""), failed) == 0 && msg && msg[0]) {
			log_error(0, "update refused: %s: %s%s", failed, msg, hint);
			return;
		}
	}
	log_error(0, "update refused: %s%s", str_or(doc, "error", "unknown error"), hint);
}

static void print_checks(const struct render_ctx *c, json_object *pf)
{
	json_object *checks = get(pf, "checks");

	for (size_t i = 0; i < array_len(checks); i++) {
		json_object *chk = array_at(checks, i);

		if (!get_bool(chk, "ran"))
			continue;
		fprintf(c->out, "    %-6s %s: %s\n", get_bool(chk, "passed") ? "ok" : "FAILED",
			str_or(chk, "check", "?"), str_or(chk, "message", ""));
	}
}

/* The hop lines and the summary; the hop lines were printed live when hops_printed. */
static void print_update_text(const struct render_ctx *c, json_object *d)
{
	json_object *plan = get(d, "plan"), *hops = get(d, "hops");
	size_t n = array_len(hops), n_plan = array_len(get(plan, "hops"));
	json_object *last = n ? array_at(hops, n - 1) : NULL;

	if (result_of(d) == TDX_RESULT_UP_TO_DATE && plan) {
		fprintf(c->out, "Already up to date: %s is running.\n", str_or(plan, "from", "?"));
		return;
	}
	if (c->dry_run && plan)
		print_plan_text(c, plan);
	for (size_t i = 0; c->dry_run && i < n; i++) {
		json_object *h = array_at(hops, i);

		fprintf(c->out, "Pre-flight %s -> %s:\n", str_or(h, "from", "?"),
			str_or(h, "to", "?"));
		print_checks(c, get(h, "preflight"));
	}
	if (get_str(d, "error") || !plan || n_plan == 0)
		return;
	if (c->dry_run)
		fprintf(c->out, "Dry run: every check passed, nothing was written.\n");
	else if (n == n_plan && hop_is(last, "success"))
		fprintf(c->out, "Installed %s (%zu update%s).\n", str_or(plan, "to", "?"), n_plan,
			n_plan == 1 ? "" : "s");
}

int render_update(const struct render_ctx *c, json_object *doc)
{
	json_object *hops = get(doc, "hops"), *last = NULL;
	size_t n = array_len(hops);
	const char *error = get_str(doc, "error");

	/* A verdict before any plan (refusal, no plan): its line. */
	if (!get(doc, "plan") && error)
		log_error(0, "%s", error);
	for (size_t i = 0; !c->hops_printed && i < n; i++) {
		json_object *h = array_at(hops, i);

		if (hop_is(h, "fatal"))
			render_fatal_warning(c, h);
		if (!c->json && !c->dry_run && get_bool(h, "attempted"))
			render_hop_line(c, h);
	}
	last = n ? array_at(hops, n - 1) : NULL;
	if (last && get_bool(last, "attempted"))
		log_outcome(doc, last);
	else if (get(doc, "plan") && error)
		log_refusal(c, doc, last);
	return render_doc(c, doc, print_update_text);
}

/* ---- blob info ---- */

/* BCD 0xYYYYMMDD as "YYYY-MM-DD". */
static const char *bcd_date(uint32_t d, char buf[static 16])
{
	snprintf(buf, 16, "%04x-%02x-%02x", d >> 16, (d >> 8) & 0xff, d & 0xff);
	return buf;
}

static void print_cpuid_table(const struct render_ctx *c, const struct tdx_sigstruct_info *sig)
{
	fprintf(c->out, "      CPUs:");
	for (uint32_t i = 0; i < sig->cpuid_count && i < TDX_CPUID_TABLE_MAX; i++) {
		const char *name = tdx_cpu_platform_name(sig->cpuid_table[i]);

		fprintf(c->out, "%s 0x%x (%s)", i ? "," : "", sig->cpuid_table[i],
			name ? name : "unknown");
	}
	fprintf(c->out, "%s\n", sig->cpuid_count ? "" : " none");
}

/* "1 page", "4 pages" */
static const char *pages(size_t bytes, char buf[static 32])
{
	size_t n = bytes / TDX_PAGE_SIZE;

	snprintf(buf, 32, "%zu page%s", n, n == 1 ? "" : "s");
	return buf;
}

static void print_signature_text(const struct render_ctx *c, const struct tdx_signature *s,
				 bool trusted)
{
	char key[TDX_KEY_FINGERPRINT_HEX];

	switch (s->status) {
	case TDX_SIGNATURE_VALID:
		fprintf(c->out, " Signature: valid (RSA-3072, PKCS#1 v1.5, SHA-384)\n");
		break;
	case TDX_SIGNATURE_MISMATCH:
		fprintf(c->out, " Signature: DOES NOT VERIFY\n");
		break;
	case TDX_SIGNATURE_BAD_LAYOUT:
		fprintf(c->out, " Signature: CANNOT BE CHECKED: %s\n", s->problem);
		break;
	case TDX_SIGNATURE_UNCHECKED:
		fprintf(c->out, " Signature: not verified\n");
		break;
	}
	fprintf(c->out, "Signed key: %s (%s)\n", tdx_hex(s->key_sha256, TDX_SHA256_SIZE, key),
		trusted ? "trusted" : "NOT TRUSTED");
}

static void print_image_text(const struct render_ctx *c, const struct tdx_image *img,
			     const char *path, bool seamhash_ok, bool trusted)
{
	char hex[2 * TDX_SEAMHASH_SIZE + 1], date[16], n0[32], n1[32], n2[32];

	fprintf(c->out, "      File: %s\n", path);
	fprintf(c->out, "    Format: %s\n", tdx_image_format_to_string(img->format));
	fprintf(c->out, "      Size: %zu bytes (%s)\n", img->size, pages(img->size, n0));
	fprintf(c->out, "  Checksum: 0x%04x (%s)\n", img->checksum,
		img->checksum_ok ? "ok" : "BAD");
	fprintf(c->out, " Sigstruct: offset 0x%zx, %zu bytes (%s)\n", img->sigstruct_offset,
		img->sigstruct_size, pages(img->sigstruct_size, n1));
	fprintf(c->out, "    Module: offset 0x%zx, %zu bytes (%s)\n", img->module_offset,
		img->module_size, pages(img->module_size, n2));
	fprintf(c->out, "     Debug: %s\n", img->sig.debug ? "yes (debug-signed)" : "no");
	fprintf(c->out, "Build date: %s\n", bcd_date(img->sig.date, date));
	fprintf(c->out, "  SEAM SVN: 0x%04x (major %u, minor %u)\n", img->sig.seam_svn,
		img->sig.seam_svn >> 8, img->sig.seam_svn & 0xff);
	fprintf(c->out, "  Seamhash: %s\n", tdx_hex(img->sig.seamhash, TDX_SEAMHASH_SIZE, hex));
	fprintf(c->out, "            %s\n",
		seamhash_ok ? "matches SHA-384 of the module"
			    : "DOES NOT MATCH SHA-384 of the module");
	print_signature_text(c, &img->sig.signature, trusted);
	print_cpuid_table(c, &img->sig);
}

/* Adds key=value to o, taking value (freed on failure); -ENOMEM when value or o is NULL. */
static int json_add(json_object *o, const char *key, json_object *value)
{
	if (!value)
		return -ENOMEM;
	if (!o || json_object_object_add(o, key, value) < 0) {
		json_object_put(value);
		return -ENOMEM;
	}
	return 0;
}

/* Platform names parallel to the sigstruct's cpuid_table (null when unknown). */
static json_object *json_cpuid_platforms(const struct tdx_sigstruct_info *sig)
{
	_cleanup_(json_object_putp) json_object *a = json_object_new_array();

	if (!a)
		return NULL;
	for (uint32_t i = 0; i < sig->cpuid_count && i < TDX_CPUID_TABLE_MAX; i++) {
		const char *name = tdx_cpu_platform_name(sig->cpuid_table[i]);
		json_object *v = name ? json_object_new_string(name) : NULL;

		if ((name && !v) || json_object_array_add(a, v) < 0) {
			json_object_put(v);
			return NULL;
		}
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

int render_image(const struct render_ctx *c, const struct tdx_image *img, const char *path,
		 bool seamhash_ok, bool trusted)
{
	if (c->json)
		return render_json(c, json_image(img, path, seamhash_ok, trusted));
	print_image_text(c, img, path, seamhash_ok, trusted);
	return 0;
}

/* ---- mapping check ---- */

static json_object *json_mapping_check(const struct mapping_check *m)
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

int render_mapping_check(const struct render_ctx *c, const struct mapping_check *m)
{
	char a[TDX_VERSION_STRING_MAX], b[TDX_VERSION_STRING_MAX];
	const struct tdx_mapping *map = m->mapping;

	if (!map)
		log_error(0, "%s", m->error);
	if (c->json)
		return render_json(c, json_mapping_check(m));
	if (!map)
		return 0;
	fprintf(c->out, "%s: valid, %zu release%s", m->path, map->n_releases,
		map->n_releases == 1 ? "" : "s");
	if (map->n_releases > 0)
		fprintf(c->out, " (%s .. %s)", tdx_version_format(&map->releases[0].version, a),
			tdx_version_format(&map->releases[map->n_releases - 1].version, b));
	if (map->header_version)
		fprintf(c->out, ", header version %s", map->header_version);
	fprintf(c->out, "\n");
	return 0;
}
