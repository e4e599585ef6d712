// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tdxctl reboot-required: kured's --reboot-sentinel-command contract, exit 0
 * when this host needs a reboot and 1 when it does not. A reboot is needed
 * when the TDX module is lost (its version reads ENXIO: every TD is gone and
 * only a reboot brings TDX back) or when tdxd recorded a FATAL update since
 * boot (the marker in its runtime directory, which a reboot clears). Reads
 * only the 0444 version attribute: no daemon, no root, no slow P-SEAMLDR.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include <tdx/lock.h>

#include "log.h"
#include "render.h"
#include "verbs.h"

#define TDX_HOST_VERSION "/devices/faux/tdx_host/version"
#define REBOOT_MARKER	 "reboot-required" /* tdxd's TDXD_REBOOT_MARKER */

enum reboot_reason {
	REBOOT_NOT_NEEDED = 0,
	REBOOT_MODULE_LOST,
	REBOOT_FATAL_UPDATE,
};

static bool module_lost(const char *sysfs_root)
{
	_cleanup_free_ char *path = NULL;
	char buf[64];
	FILE *f;
	bool lost;

	if (asprintf(&path, "%s" TDX_HOST_VERSION, sysfs_root) < 0)
		return false;
	f = fopen(path, "re");
	if (!f) /* ENOENT: no tdx_host, not a TDX host; ENXIO: as a failed read */
		return errno == ENXIO;
	lost = !fgets(buf, sizeof(buf), f) && errno == ENXIO;
	fclose(f);
	return lost;
}

static bool fatal_marker_exists(char **ret_path)
{
	_cleanup_free_ char *dir = strdup(tdx_lock_default_path());

	if (!dir || asprintf(ret_path, "%s/%s", dirname(dir), REBOOT_MARKER) < 0) {
		*ret_path = NULL;
		return false;
	}
	return access(*ret_path, F_OK) == 0;
}

static int print_json(enum reboot_reason why)
{
	static const char *const keys[] = {NULL, "module_lost", "fatal_update"};
	json_object *o = json_object_new_object();

	if (!o)
		return log_error(-ENOMEM, "out of memory");
	json_object_object_add(o, "reboot_required",
			       json_object_new_boolean(why != REBOOT_NOT_NEEDED));
	json_object_object_add(o, "reason", keys[why] ? json_object_new_string(keys[why]) : NULL);
	return render_json(&(struct render_ctx){.out = stdout, .err = stderr}, o);
}

int verb_reboot_required(const struct tdxctl_options *o, int argc, char **argv)
{
	_cleanup_free_ char *marker = NULL;
	enum reboot_reason why = REBOOT_NOT_NEEDED;
	int r = 0;

	if (module_lost(o->sysfs_root))
		why = REBOOT_MODULE_LOST;
	else if (fatal_marker_exists(&marker))
		why = REBOOT_FATAL_UPDATE;
	if (o->json)
		r = print_json(why);
	else if (why == REBOOT_MODULE_LOST)
		printf("reboot required: the TDX module is lost (every TD is gone)\n");
	else if (why == REBOOT_FATAL_UPDATE)
		printf("reboot required: tdxd recorded a FATAL update (%s)\n", marker);
	if (r < 0)
		return r;
	return why == REBOOT_NOT_NEEDED ? CLI_EXIT_FAILURE : CLI_EXIT_SUCCESS;
}
