/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tdx/tdxd-conf.h>

/*
 * tdxd.conf as tdxd reads it ($TDXD_CONFIG or the default, with drop-ins),
 * for what tdxctl does in-process and tdxd would otherwise decide: the
 * history's location, MaxHoldSec= and YoungTdSec=. Prints why not.
 */
int cli_config_load(struct tdx_config **ret);
/* $TDXD_CONFIG, else tdxd's default path. */
const char *cli_config_path(void);
