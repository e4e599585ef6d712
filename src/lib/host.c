// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel ABI discovery: which of the three tdx_host layouts this kernel has,
 * whether runtime update is possible, and the state of the module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tdx/host.h>
#include <tdx/macro.h>
#include <tdx/sysfs.h>
#include <tdx/string-table.h>

static const char *const tdx_abi_layout_table[] = {
	[TDX_ABI_UNKNOWN] = "unknown",
	[TDX_ABI_MAINLINE] = "mainline",
	[TDX_ABI_SEAMLDR_DIR] = "seamldr-dir",
	[TDX_ABI_SEAMLDR_UPLOAD] = "seamldr-upload",
};

static const char *const tdx_module_state_table[] = {
	[TDX_MODULE_ABSENT] = "absent",
	[TDX_MODULE_RUNNING] = "running",
	[TDX_MODULE_LOST] = "lost",
	[TDX_MODULE_UNKNOWN] = "unknown",
};

static const char *const tdx_update_support_table[] = {
	[TDX_UPDATE_SUPPORTED] = "supported",
	[TDX_UPDATE_UNSUPPORTED_NO_HOST] = "no-tdx-host",
	[TDX_UPDATE_UNSUPPORTED_HIDDEN] = "hidden",
	[TDX_UPDATE_UNSUPPORTED_NO_FWUPLOAD] = "no-fw-upload",
};

static const char *const support_sentences[] = {
	[TDX_UPDATE_SUPPORTED] = "runtime TDX module update is supported",
	[TDX_UPDATE_UNSUPPORTED_NO_HOST] =
		"no tdx_host device: not a TDX host, TDX not initialised or tdx-host not loaded",
	[TDX_UPDATE_UNSUPPORTED_HIDDEN] =
		"the kernel hides the update attributes: the module lacks TD-preserving "
		"update or the CPU has the seamret_invd_vmcs erratum",
	[TDX_UPDATE_UNSUPPORTED_NO_FWUPLOAD] =
		"P-SEAMLDR attributes present but no fw_upload device (kernel without "
		"CONFIG_FW_UPLOAD or registration failed)",
};

#define NAME_OR_NULL(table, i) ((unsigned)(i) < ELEMENTSOF(table) ? (table)[i] : NULL)

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_abi_layout, enum tdx_abi_layout, );

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_module_state, enum tdx_module_state, );

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(tdx_update_support, enum tdx_update_support, );

const char *tdx_update_support_describe(enum tdx_update_support s)
{
	return NAME_OR_NULL(support_sentences, s);
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void host_paths_done(struct tdx_host_paths *p)
{
	free(p->sysfs_root);
	free(p->host_dir);
	free(p->version);
	free(p->seamldr_version);
	free(p->num_remaining_updates);
	free(p->fwupload_dir);
	free(p->cpu_online);
	free(p->cpu_present);
}

struct tdx_host *tdx_host_free(struct tdx_host *h)
{
	if (!h)
		return NULL;
	host_paths_done(&h->paths);
	free(h);
	return NULL;
}

/* The fw_upload device by either name; the class link first, the device path second. */
static int find_fwupload_dir(const struct tdx_host_paths *p, const char *name, char **ret)
{
	_cleanup_free_ char *class_dir = NULL, *dev_dir = NULL;

	class_dir = tdx_path_join(p->sysfs_root, "class/firmware", name, NULL);
	dev_dir = tdx_path_join(p->host_dir, "firmware", name, NULL);
	if (!class_dir || !dev_dir)
		return -ENOMEM;
	if (path_exists(class_dir))
		*ret = TAKE_PTR(class_dir);
	else if (path_exists(dev_dir))
		*ret = TAKE_PTR(dev_dir);
	else
		*ret = NULL;
	return 0;
}

/* Where the P-SEAMLDR attributes live; false when the kernel hides them. */
static int find_seamldr_attrs(struct tdx_host *h, bool *ret_found, bool *ret_subdir)
{
	struct tdx_host_paths *p = &h->paths;
	_cleanup_free_ char *flat = NULL, *flat_rem = NULL, *dir = NULL;

	flat = tdx_path_join(p->host_dir, "seamldr_version", NULL);
	flat_rem = tdx_path_join(p->host_dir, "num_remaining_updates", NULL);
	dir = tdx_path_join(p->host_dir, "seamldr", NULL);
	if (!flat || !flat_rem || !dir)
		return -ENOMEM;

	*ret_found = true;
	*ret_subdir = false;
	if (path_exists(flat) || path_exists(flat_rem)) {
		p->seamldr_version = TAKE_PTR(flat);
		p->num_remaining_updates = TAKE_PTR(flat_rem);
		return 0;
	}
	if (path_exists(dir)) {
		p->seamldr_version = tdx_path_join(dir, "version", NULL);
		p->num_remaining_updates = tdx_path_join(dir, "num_remaining_updates", NULL);
		if (!p->seamldr_version || !p->num_remaining_updates)
			return -ENOMEM;
		*ret_subdir = true;
		return 0;
	}
	*ret_found = false;
	return 0;
}

static enum tdx_abi_layout layout_of(bool seamldr_subdir, bool seamldr_upload_name)
{
	if (seamldr_upload_name)
		return TDX_ABI_SEAMLDR_UPLOAD;
	/*
	 * Hidden attributes do not say which kernel this is; v6+ and mainline
	 * are the ones that hide them, and mainline is what ships from now on.
	 */
	return seamldr_subdir ? TDX_ABI_SEAMLDR_DIR : TDX_ABI_MAINLINE;
}

static enum tdx_image_format image_format_of(enum tdx_abi_layout l)
{
	switch (l) {
	case TDX_ABI_MAINLINE:
		return TDX_IMAGE_FORMAT_V2;
	case TDX_ABI_SEAMLDR_DIR:
	case TDX_ABI_SEAMLDR_UPLOAD:
		return TDX_IMAGE_FORMAT_V1;
	default:
		return TDX_IMAGE_FORMAT_INVALID;
	}
}

static int discover_layout(struct tdx_host *h)
{
	bool attrs, subdir, upload_name = false;
	int r;

	r = find_seamldr_attrs(h, &attrs, &subdir);
	if (r < 0)
		return r;
	r = find_fwupload_dir(&h->paths, "tdx_module", &h->paths.fwupload_dir);
	if (r < 0)
		return r;
	if (!h->paths.fwupload_dir) {
		/* v1..v3 named the uploader after the loader */
		r = find_fwupload_dir(&h->paths, "seamldr_upload", &h->paths.fwupload_dir);
		if (r < 0)
			return r;
		upload_name = !!h->paths.fwupload_dir;
	}

	h->layout = layout_of(subdir, upload_name);
	h->image_format = image_format_of(h->layout);
	if (!attrs)
		h->update_support = TDX_UPDATE_UNSUPPORTED_HIDDEN;
	else if (!h->paths.fwupload_dir)
		h->update_support = TDX_UPDATE_UNSUPPORTED_NO_FWUPLOAD;
	else
		h->update_support = TDX_UPDATE_SUPPORTED;
	return 0;
}

static int read_version_attr(const char *path, struct tdx_version *ret)
{
	return path ? tdx_sysfs_read_version(path, ret) : -ENOENT;
}

static int read_uint_attr(const char *path, uint32_t *ret)
{
	_cleanup_free_ char *s = NULL;
	unsigned v;
	int r;

	if (!path)
		return -ENOENT;
	r = tdx_sysfs_read(path, &s);
	if (r < 0)
		return r;
	r = tdx_parse_uint32(s, &v);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

int tdx_host_read_version(const struct tdx_host *h, struct tdx_version *ret)
{
	return read_version_attr(h->paths.version, ret);
}

static enum tdx_module_state module_state_of(int version_err)
{
	if (version_err == 0)
		return TDX_MODULE_RUNNING;
	if (version_err == -ENXIO)
		return TDX_MODULE_LOST;
	return TDX_MODULE_UNKNOWN;
}

int tdx_host_refresh(struct tdx_host *h)
{
	if (h->layout == TDX_ABI_UNKNOWN && h->update_support == TDX_UPDATE_UNSUPPORTED_NO_HOST)
		return 0; /* nothing to read on a host without tdx_host */

	h->version_err = tdx_host_read_version(h, &h->module_version);
	if (h->version_err < 0)
		h->module_version = (struct tdx_version){0};
	h->module_state = module_state_of(h->version_err);

	h->seamldr_err = read_version_attr(h->paths.seamldr_version, &h->seamldr_version);
	if (h->seamldr_err < 0)
		h->seamldr_version = (struct tdx_version){0};

	h->remaining_err =
		read_uint_attr(h->paths.num_remaining_updates, &h->num_remaining_updates);
	if (h->remaining_err < 0)
		h->num_remaining_updates = 0;
	return 0;
}

static void mark_no_host(struct tdx_host *h)
{
	h->layout = TDX_ABI_UNKNOWN;
	h->image_format = TDX_IMAGE_FORMAT_INVALID;
	h->module_state = TDX_MODULE_ABSENT;
	h->update_support = TDX_UPDATE_UNSUPPORTED_NO_HOST;
	h->version_err = h->seamldr_err = h->remaining_err = -ENOENT;
}

static int host_paths_init(struct tdx_host_paths *p, const char *sysfs_root)
{
	p->sysfs_root = strdup(sysfs_root);
	p->host_dir = tdx_path_join(sysfs_root, "devices/faux/tdx_host", NULL);
	p->version = tdx_path_join(sysfs_root, "devices/faux/tdx_host/version", NULL);
	p->cpu_online = tdx_path_join(sysfs_root, "devices/system/cpu/online", NULL);
	p->cpu_present = tdx_path_join(sysfs_root, "devices/system/cpu/present", NULL);
	if (!p->sysfs_root || !p->host_dir || !p->version || !p->cpu_online || !p->cpu_present)
		return -ENOMEM;
	return 0;
}

int tdx_host_probe(const char *sysfs_root, struct tdx_host **ret)
{
	_cleanup_(tdx_host_freep) struct tdx_host *h = NULL;
	struct stat st;
	int r;

	if (!sysfs_root)
		sysfs_root = tdx_sysfs_default_root();
	if (stat(sysfs_root, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	r = host_paths_init(&h->paths, sysfs_root);
	if (r < 0)
		return r;

	if (!path_exists(h->paths.host_dir)) {
		mark_no_host(h);
		*ret = TAKE_PTR(h);
		return 0;
	}
	r = discover_layout(h);
	if (r < 0)
		return r;
	r = tdx_host_refresh(h);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(h);
	return 0;
}

int tdx_host_cpus_all_online(const struct tdx_host *h, bool *ret, char **ret_online,
			     char **ret_present)
{
	_cleanup_free_ char *online = NULL, *present = NULL;
	int r;

	r = tdx_sysfs_read(h->paths.cpu_online, &online);
	if (r < 0)
		return r;
	r = tdx_sysfs_read(h->paths.cpu_present, &present);
	if (r < 0)
		return r;
	*ret = strcmp(online, present) == 0;
	if (ret_online)
		*ret_online = TAKE_PTR(online);
	if (ret_present)
		*ret_present = TAKE_PTR(present);
	return 0;
}
