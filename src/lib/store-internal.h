/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the two ways to fill a store (store.c, store-lookup.c); not part of the API. */
#include <tdx/store.h>

/*
 * A store without entries: the root checked (a directory) and the mapping
 * file loaded. The errors, and their words, of tdx_store_scan().
 */
int store_open(const char *root, struct tdx_store **ret, struct tdx_diag *diag);
