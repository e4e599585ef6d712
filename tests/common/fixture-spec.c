// SPDX-License-Identifier: LGPL-2.1-or-later
/* The words of `fake-kernel --make-sysfs/--set` into a struct fixture_spec; see fixture.h. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "fixture.h"
#include <tdx/macro.h>

#define SPEC_STRING(key, field)                           \
	{                                                 \
		key, offsetof(struct fixture_spec, field) \
	}
#define SPEC_FLAG(key, field)                             \
	{                                                 \
		key, offsetof(struct fixture_spec, field) \
	}

static const struct {
	const char *key;
	size_t offset;
} spec_strings[] =
	{
		SPEC_STRING("version", version),     SPEC_STRING("seamldr", seamldr_version),
		SPEC_STRING("remaining", remaining), SPEC_STRING("online", cpu_online),
		SPEC_STRING("present", cpu_present), SPEC_STRING("status", status),
},
  spec_flags[] = {
	  SPEC_FLAG("hidden", hidden),
	  SPEC_FLAG("no-fwupload", no_fwupload),
	  SPEC_FLAG("lost", lost),
	  SPEC_FLAG("device-path-only", device_path_only),
};

static const char *const layout_names[] = {
	[TDX_ABI_UNKNOWN] = "none", /* no tdx_host device: not a TDX host */
	[TDX_ABI_MAINLINE] = "mainline",
	[TDX_ABI_SEAMLDR_DIR] = "seamldr-dir",
	[TDX_ABI_SEAMLDR_UPLOAD] = "seamldr-upload",
};

int fixture_spec_set(struct fixture_spec *spec, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);

	for (size_t i = 0; i < ELEMENTSOF(spec_flags); i++)
		if (!eq && strcmp(arg, spec_flags[i].key) == 0) {
			*(bool *)((char *)spec + spec_flags[i].offset) = true;
			return 0;
		}
	if (!eq)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(spec_strings); i++)
		if (strlen(spec_strings[i].key) == klen &&
		    strncmp(arg, spec_strings[i].key, klen) == 0) {
			*(const char **)((char *)spec + spec_strings[i].offset) = eq + 1;
			return 0;
		}
	if (klen != strlen("layout") || strncmp(arg, "layout", klen) != 0)
		return -EINVAL;
	for (size_t l = 0; l < ELEMENTSOF(layout_names); l++)
		if (strcmp(eq + 1, layout_names[l]) == 0) {
			spec->layout = (enum tdx_abi_layout)l;
			return 0;
		}
	return -EINVAL;
}
