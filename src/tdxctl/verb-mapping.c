/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tdxctl mapping check [FILE]`: validates a mapping file (default: the store's). */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "render.h"
#include <tdx/sysfs.h>
#include "verbs.h"

#define MAPPING_FILE_NAME "mapping_file.json"

int verb_mapping(const struct tdxctl_options *o, int argc, char **argv)
{
	_cleanup_(tdx_mapping_freep) struct tdx_mapping *m = NULL;
	_cleanup_free_ char *store_file = NULL, *error = NULL;
	struct mapping_check check = {};
	struct tdx_diag diag = {};
	const char *path;
	int r, k;

	if (strcmp(argv[1], "check") != 0)
		return cli_usage_error("mapping: unknown command \"%s\" (check)", argv[1]);
	if (argc > 2) {
		path = argv[2];
	} else {
		store_file = tdx_path_join(o->store, MAPPING_FILE_NAME, NULL);
		if (!store_file)
			return log_error(-ENOMEM, "out of memory");
		path = store_file;
	}

	r = tdx_mapping_load(path, &m, &diag);
	if (r < 0) {
		error = error_at(path, r, &diag);
		if (!error)
			return log_error(-ENOMEM, "out of memory");
	}
	check = (struct mapping_check){.path = path, .mapping = m, .error = error};
	k = render_mapping_check(
		&(struct render_ctx){.out = stdout, .err = stderr, .json = o->json}, &check);
	if (k < 0)
		return k;
	return r < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_SUCCESS;
}
