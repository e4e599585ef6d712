// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * FleetLock over libcurl. Exactly Zincati's requests: POST, JSON body,
 * "fleet-lock-protocol: true" (a guard against unintended redirection, so
 * redirects are not followed), success only on 200.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include <tdx/fleetlock.h>
#include <tdx/json.h>
#include <tdx/macro.h>

#define FLEETLOCK_BODY_MAX (16u * 1024)

static const char *const api_paths[TDX_FLEETLOCK_API_MAX] = {
	[TDX_FLEETLOCK_PRE_REBOOT] = "v1/pre-reboot",
	[TDX_FLEETLOCK_STEADY_STATE] = "v1/steady-state",
};

static bool is_kind_token(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TDX_FLEET_KIND_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' &&
		    *p != '-' && *p != '.')
			return false;
	return true;
}

int tdx_fleetlock_parse_error(const char *body, size_t size, struct tdx_fleetlock_error *ret)
{
	_cleanup_(json_object_putp) json_object *o = NULL;
	struct json_tokener *tok;
	json_object *kind, *value;

	if (size > FLEETLOCK_BODY_MAX)
		return -EBADMSG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, body, (int)size);
	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object))
		return -EBADMSG;
	*ret = (struct tdx_fleetlock_error){};
	if (json_object_object_get_ex(o, "kind", &kind) &&
	    json_object_is_type(kind, json_type_string) &&
	    is_kind_token(json_object_get_string(kind)))
		snprintf(ret->kind, sizeof(ret->kind), "%s", json_object_get_string(kind));
	if (json_object_object_get_ex(o, "value", &value) &&
	    json_object_is_type(value, json_type_string))
		snprintf(ret->value, sizeof(ret->value), "%s", json_object_get_string(value));
	tdx_utf8_sanitize(ret->value);
	return 0;
}

struct body {
	char data[FLEETLOCK_BODY_MAX];
	size_t size;
};

static size_t body_write(char *ptr, size_t size, size_t n, void *userdata)
{
	struct body *b = userdata;
	size_t len = size * n, room = sizeof(b->data) - 1 - b->size;

	memcpy(b->data + b->size, ptr, len < room ? len : room);
	b->size += len < room ? len : room;
	b->data[b->size] = '\0';
	return len; /* the rest is dropped, not an error */
}

static char *request_body(const struct tdx_fleetlock *c)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	json_object *params = json_object_new_object();

	if (!o || !params) {
		json_object_put(params);
		return NULL;
	}
	json_object_object_add(params, "id", json_object_new_string(c->id));
	json_object_object_add(params, "group", json_object_new_string(c->group));
	json_object_object_add(o, "client_params", params);
	return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

static char *request_url(const struct tdx_fleetlock *c, enum tdx_fleetlock_api api)
{
	size_t n = strlen(c->base_url);
	char *url;

	if (asprintf(&url, "%s%s%s", c->base_url, n && c->base_url[n - 1] == '/' ? "" : "/",
		     api_paths[api]) < 0)
		return NULL;
	return url;
}

static void set_kind_from_reply(long status, const struct body *b, char kind[TDX_FLEET_KIND_MAX],
				struct tdx_diag *diag)
{
	struct tdx_fleetlock_error e = {};

	(void)tdx_fleetlock_parse_error(b->data, b->size, &e);
	if (e.kind[0])
		snprintf(kind, TDX_FLEET_KIND_MAX, "%s", e.kind);
	else
		snprintf(kind, TDX_FLEET_KIND_MAX, "http_%ld", status);
	tdx_diag_set(diag, -EAGAIN, "HTTP %ld %s%s%s", status, kind, e.value[0] ? ": " : "",
		     e.value);
}

int tdx_fleetlock_request(const struct tdx_fleetlock *c, enum tdx_fleetlock_api api,
			  char ret_kind[static TDX_FLEET_KIND_MAX], struct tdx_diag *diag)
{
	_cleanup_free_ char *url = request_url(c, api), *json = request_body(c);
	_cleanup_free_ struct body *b = calloc(1, sizeof(*b));
	struct curl_slist *headers = NULL;
	CURLcode cc = CURLE_OUT_OF_MEMORY;
	long status = 0;
	CURL *curl;

	if (!url || !json || !b)
		return tdx_diag_set(diag, -ENOMEM, "out of memory");
	curl = curl_easy_init();
	headers = curl_slist_append(headers, "fleet-lock-protocol: true");
	headers = curl_slist_append(headers, "Content-Type: application/json");
	if (curl && headers) {
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(c->timeout_usec / 1000));
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_write);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
		cc = curl_easy_perform(curl);
		if (cc == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	}
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	if (cc != CURLE_OK) {
		snprintf(ret_kind, TDX_FLEET_KIND_MAX, "transport");
		return tdx_diag_set(diag, -EHOSTUNREACH, "%s: %s", url, curl_easy_strerror(cc));
	}
	if (status == 200)
		return 0;
	set_kind_from_reply(status, b, ret_kind, diag);
	return -EAGAIN;
}
