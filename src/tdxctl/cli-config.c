// SPDX-License-Identifier: LGPL-2.1-or-later
/* tdxd.conf as tdxctl reads it in-process: history, inhibit --hold, --direct update. */
#include <stdlib.h>

#include "cli-config.h"
#include "log.h"

const char *cli_config_path(void)
{
	const char *conf = secure_getenv("TDXD_CONFIG");

	return conf && *conf ? conf : TDX_CONFIG_DEFAULT_PATH;
}

int cli_config_load(struct tdx_config **ret)
{
	struct tdx_diag diag = {};
	int r;

	r = tdx_config_load_all(cli_config_path(), ret, &diag);
	if (r < 0)
		return log_error(r, "%s", diag.msg);
	return 0;
}
