/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The option values the verbs read (verbs.h). A file of their own because
 * tdxd links the verbs too: it sets these from its configuration and a
 * Report() call's options before it renders a verb for a client.
 */
#include <stdarg.h>

#include "output.h"
#include "verbs.h"

const char *arg_sysfs_root;
const char *arg_store;
bool arg_cpu_signature_set;
uint32_t arg_cpu_signature;
unsigned arg_reserve = TDX_DEFAULT_RESERVE;
bool arg_strict_compat;
bool arg_json;
bool arg_quiet;
bool arg_dry_run;
bool arg_yes;
bool arg_allow_debug;
bool arg_reinstall;
uint64_t arg_timeout_usec = TDX_FWUPLOAD_DEFAULT_TIMEOUT_USEC;
bool arg_wait_lock;
enum tdx_image_format arg_format = TDX_IMAGE_FORMAT_INVALID;
bool arg_trusted_keys_set;
struct tdx_trusted_keys arg_trusted_keys;
const uint8_t (*arg_approved)[TDX_SEAMHASH_SIZE];
size_t arg_n_approved;

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errorv(fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}
