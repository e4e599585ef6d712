/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Big enough for any double "%.2f" prints. */
#define SECONDS_STRING_MAX 320

/* ms / 1000 with two decimals, exactly as printf's "%.2f" prints it; returns buf. */
char *seconds_format(double ms, char buf[static SECONDS_STRING_MAX]);
