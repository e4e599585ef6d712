// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxctl's renderer reads documents tdxd sends (render.h): any JSON, of any
 * shape, renders as text and JSON or is refused, never a crash, and yields
 * an exit code the documents define.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <tdx/json.h>

#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(json_object_putp) json_object *doc = NULL;
	json_tokener *tok = json_tokener_new();
	int (*const renderers[])(const struct render_ctx *c, json_object *doc) = {
		render_status, render_list, render_plan, render_update};
	FILE *null = fopen("/dev/null", "we");

	if (!tok || !null)
		abort();
	doc = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	for (int json = 0; doc && json < 2; json++)
		for (size_t i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
			struct render_ctx c = {.out = null,
					       .err = null,
					       .json = json,
					       .color = !json,
					       .dry_run = i == 3};

			(void)renderers[i](&c, doc);
		}
	if (doc && (exit_code_of_document(doc) < 0 || exit_code_of_status(doc) < 0))
		abort();
	fclose(null);
	return 0;
}
