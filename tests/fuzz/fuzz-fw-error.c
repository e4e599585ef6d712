// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fw_upload `error` and `status` attribute parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/fwupload.h>
#include <tdx/macro.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = NULL;
	struct tdx_fw_error_info info;
	enum tdx_fw_status st;
	int r;

	/* attributes are text: an embedded NUL ends them, as it would for the parser */
	if (size > 4096 || !(s = strndup((const char *)data, size)))
		return 0;

	r = tdx_fw_error_parse(s, &info);
	/* raw is always a NUL-terminated prefix of the input */
	if (strlen(info.raw) >= sizeof(info.raw) || strncmp(info.raw, s, strlen(info.raw)) != 0)
		abort();
	if (r == 0 && info.code == TDX_FW_ERROR_NONE && s[0] != '\0' && strcmp(s, "\n") != 0)
		abort(); /* only an empty attribute means no error */
	if (!tdx_fw_error_to_string(info.code) || !tdx_fw_status_to_string(info.progress))
		abort();
	st = tdx_fw_status_from_string(s);
	if (st != TDX_FW_STATUS_UNKNOWN && strcmp(tdx_fw_status_to_string(st), s) != 0)
		abort();
	return 0;
}
