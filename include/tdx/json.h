/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * JSON views of the library's objects, with stable snake_case keys. The CLI
 * prints them for --json and tdxd records them in history; both get the same
 * shape. Every function returns a new json-c object or NULL on OOM.
 */
#include <json-c/json.h>

#include <tdx/host.h>
#include <tdx/image.h>
#include <tdx/plan.h>
#include <tdx/policy.h>
#include <tdx/preflight.h>
#include <tdx/store.h>
#include <tdx/update.h>

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

json_object *tdx_json_version(const struct tdx_version *v); /* "1.5.06" */
json_object *tdx_json_host(const struct tdx_host *h, uint32_t cpu_signature);
json_object *tdx_json_sigstruct(const struct tdx_sigstruct_info *s);
json_object *tdx_json_image(const struct tdx_image *img, const char *path);
json_object *tdx_json_reasons(uint32_t reasons); /* array of snake_case keys */
json_object *tdx_json_candidate(const struct tdx_candidate *c, const struct tdx_version *running);
json_object *tdx_json_plan(const struct tdx_plan *p);
json_object *tdx_json_preflight(const struct tdx_preflight *p);
json_object *tdx_json_hop_result(const struct tdx_hop_result *r);
json_object *tdx_json_store_problems(const struct tdx_store *s);
