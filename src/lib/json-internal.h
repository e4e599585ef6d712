/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The value formats of the JSON documents (json.c's header comment), shared
 * by the json-c builders (json.c) and the streamed list (view-list.c), so the
 * two write the same text.
 */
#include <stdint.h>

#include <tdx/image.h>

#define TDX_JSON_HEX_MAX 16 /* "0x" + 8 digits + NUL, with room */

/* "0x" and at least digits lower-case hex digits (0: as few as needed). Returns buf. */
const char *tdx_json_hex_text(uint32_t v, int digits, char buf[static TDX_JSON_HEX_MAX]);
/* BCD 0xYYYYMMDD as "YYYY-MM-DD"; anything else as raw "0x%08x". Returns buf. */
const char *tdx_json_date_text(uint32_t date, char buf[static TDX_JSON_HEX_MAX]);
/* "0x100" | "0x200", NULL for an invalid format (null in the document). */
const char *tdx_json_format_or_null(enum tdx_image_format f);
