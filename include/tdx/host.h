/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the running kernel exposes about the TDX module, in any of the three
 * ABI layouts seen in the field:
 *   mainline (7.2, v8+):  tdx_host/{version,seamldr_version,num_remaining_updates},
 *                         class/firmware/tdx_module, image 0x200
 *   seamldr-dir (v4..v7): tdx_host/seamldr/{version,num_remaining_updates},
 *                         class/firmware/tdx_module, image 0x100
 *   seamldr-upload (v1..v3): as v4 but class/firmware/seamldr_upload, image 0x100
 * Every path hangs off a sysfs root so tests can use fixture trees.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tdx/diag.h>
#include <tdx/image.h>
#include <tdx/version.h>

enum tdx_abi_layout {
	TDX_ABI_UNKNOWN = 0, /* no tdx_host device */
	TDX_ABI_MAINLINE,
	TDX_ABI_SEAMLDR_DIR,
	TDX_ABI_SEAMLDR_UPLOAD,
};

enum tdx_module_state {
	TDX_MODULE_ABSENT = 0, /* no tdx_host device: not a TDX host, or driver not loaded */
	TDX_MODULE_RUNNING,    /* version readable */
	TDX_MODULE_LOST,       /* version read gives ENXIO: TDs are gone, reboot needed */
	TDX_MODULE_UNKNOWN,    /* version unreadable for another reason (error in version_err) */
};

enum tdx_update_support {
	TDX_UPDATE_SUPPORTED = 0,
	TDX_UPDATE_UNSUPPORTED_NO_HOST, /* no tdx_host device */
	TDX_UPDATE_UNSUPPORTED_HIDDEN,	/* seamldr attributes and fw_upload hidden by the kernel */
	TDX_UPDATE_UNSUPPORTED_NO_FWUPLOAD, /* seamldr attributes present, fw_upload missing */
};

struct tdx_host_paths {
	char *sysfs_root;
	char *host_dir; /* <root>/devices/faux/tdx_host */
	char *version;
	char *seamldr_version; /* layout dependent; NULL when unknown */
	char *num_remaining_updates;
	char *fwupload_dir; /* <root>/class/firmware/<name>; NULL when absent */
	char *cpu_online;   /* <root>/devices/system/cpu/online */
	char *cpu_present;
};

struct tdx_host {
	struct tdx_host_paths paths;
	enum tdx_abi_layout layout;
	enum tdx_image_format image_format; /* what this layout's kernel accepts */
	enum tdx_module_state module_state;
	enum tdx_update_support update_support;

	int version_err; /* 0 or -errno of reading version */
	struct tdx_version module_version;

	int seamldr_err; /* 0, -EACCES (not root), -ENOENT (hidden), ... */
	struct tdx_version seamldr_version;

	int remaining_err;
	uint32_t num_remaining_updates;
};

const char *tdx_abi_layout_to_string(enum tdx_abi_layout l); /* "mainline", "seamldr-dir", ... */
const char *tdx_module_state_to_string(enum tdx_module_state s);     /* "running", "lost", ... */
const char *tdx_update_support_to_string(enum tdx_update_support s); /* "supported", ... */
/* One sentence for operators, e.g. why runtime update is unsupported. */
const char *tdx_update_support_describe(enum tdx_update_support s);

/*
 * Discovers the layout and reads every attribute once. Succeeds on any host
 * (state says what was found) unless memory runs out or sysfs_root itself is
 * unreadable; per-attribute errors are kept in *_err.
 */
int tdx_host_probe(const char *sysfs_root, struct tdx_host **ret);
/* Re-reads version, seamldr version and remaining updates (after an update). */
int tdx_host_refresh(struct tdx_host *h);
struct tdx_host *tdx_host_free(struct tdx_host *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tdx_host *, tdx_host_free);
/* Reads the module version only: 0, -ENXIO when lost, other -errno. */
int tdx_host_read_version(const struct tdx_host *h, struct tdx_version *ret);

/* online == present under <root>/devices/system/cpu; fills both strings for messages. */
int tdx_host_cpus_all_online(const struct tdx_host *h, bool *ret, char **ret_online,
			     char **ret_present);
