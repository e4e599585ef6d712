// SPDX-License-Identifier: LGPL-2.1-or-later
/* tdxd.conf parser: any input either parses into sane values or fails cleanly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdxd-conf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdx_config *c = NULL;
	struct tdx_diag diag = {};

	if (tdx_config_parse((const char *)data, size, &c, &diag) < 0) {
		if (!memchr(diag.msg, '\0', sizeof(diag.msg)))
			abort();
		return 0;
	}
	/* Invariants the daemon relies on. */
	if (!c->store_path || c->store_path[0] != '/' || !c->hook_dir || !c->state_dir ||
	    c->history_max == 0 || c->upload_timeout_usec == 0 || c->hook_timeout_usec == 0 ||
	    (c->n_warnings > 0 && !c->warnings[c->n_warnings - 1]) || c->warnings[c->n_warnings])
		abort();
	tdx_config_free(c);
	return 0;
}
