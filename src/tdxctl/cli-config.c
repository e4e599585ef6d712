// SPDX-License-Identifier: LGPL-2.1-or-later
/* tdxd.conf as tdxctl reads it in-process: history, inhibit --hold, --direct update. */
#include <stdlib.h>

#include "cli-config.h"
#include "output.h"

int cli_config_load(struct tdx_config **ret)
{
	const char *conf = secure_getenv("TDXD_CONFIG");
	struct tdx_diag diag = {};
	int r;

	r = tdx_config_load_all(conf && *conf ? conf : TDX_CONFIG_DEFAULT_PATH, ret, &diag);
	if (r < 0)
		return log_error(r, "%s", diag.msg);
	return 0;
}
