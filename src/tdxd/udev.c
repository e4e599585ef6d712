// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hardware events: a libudev monitor for the tdx_host device and the
 * tdx_module (or seamldr_upload) firmware device, falling back to raw kernel
 * uevents when udevd is not running (initramfs, minimal hosts). An event
 * schedules a refresh shortly after, so a burst costs one refresh. Also
 * loads the kernel module that provides tdx_host when configured.
 */
#include <errno.h>
#include <libkmod.h>
#include <libudev.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "tdxd.h"

#define REFRESH_DELAY_USEC (200 * USEC_PER_MSEC)

static int refresh_timer_fired(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;

	if (!m->running_job) /* a job refreshes when it ends */
		(void)manager_refresh(m);
	return 0;
}

void manager_schedule_refresh(struct manager *m)
{
	uint64_t now;

	if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0)
		return;
	if (m->refresh_timer) {
		(void)sd_event_source_set_time(m->refresh_timer, now + REFRESH_DELAY_USEC);
		(void)sd_event_source_set_enabled(m->refresh_timer, SD_EVENT_ONESHOT);
		return;
	}
	(void)sd_event_add_time(m->event, &m->refresh_timer, CLOCK_MONOTONIC,
				now + REFRESH_DELAY_USEC, 0, refresh_timer_fired, m);
}

static bool device_is_ours(struct udev_device *d)
{
	const char *path = udev_device_get_devpath(d);
	const char *name = udev_device_get_sysname(d);

	return (path && strstr(path, "/tdx_host")) ||
	       (name && (strcmp(name, "tdx_module") == 0 || strcmp(name, "seamldr_upload") == 0));
}

static int udev_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;
	struct udev_device *d = udev_monitor_receive_device(m->udev_monitor);

	if (!d)
		return 0;
	if (device_is_ours(d)) {
		log_info("uevent %s %s: refreshing", udev_device_get_action(d) ?: "?",
			 udev_device_get_devpath(d) ?: "?");
		manager_schedule_refresh(m);
	}
	udev_device_unref(d);
	return 0;
}

int manager_udev_start(struct manager *m)
{
	/* udevd re-broadcasts processed events; without it, listen to the kernel. */
	const char *source = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
	int r;

	m->udev = udev_new();
	if (!m->udev)
		return -ENOMEM;
	m->udev_monitor = udev_monitor_new_from_netlink(m->udev, source);
	if (!m->udev_monitor)
		return -errno ?: -EIO;
	r = udev_monitor_enable_receiving(m->udev_monitor);
	if (r < 0)
		return r;
	r = sd_event_add_io(m->event, &m->udev_source, udev_monitor_get_fd(m->udev_monitor),
			    EPOLLIN, udev_event, m);
	if (r < 0)
		return r;
	log_debug("listening to %s uevents", source);
	return 0;
}

void manager_udev_stop(struct manager *m)
{
	m->udev_source = sd_event_source_disable_unref(m->udev_source);
	m->refresh_timer = sd_event_source_disable_unref(m->refresh_timer);
	if (m->udev_monitor)
		udev_monitor_unref(m->udev_monitor);
	if (m->udev)
		udev_unref(m->udev);
	m->udev_monitor = m->udev = NULL;
}

/* Loads [Daemon] KernelModule= when there is no tdx_host device yet. */
int manager_load_kernel_module(struct manager *m)
{
	const char *name = m->config->kernel_module;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int r;

	if (!name[0] || (m->host && m->host->layout != TDX_ABI_UNKNOWN))
		return 0;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	r = kmod_module_new_from_name(ctx, name, &mod);
	if (r >= 0)
		r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL,
						    NULL, NULL);
	if (r < 0)
		log_warning("cannot load kernel module %s: %s", name, strerror(r < 0 ? -r : r));
	else
		log_info("loaded kernel module %s", name);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return r < 0 ? r : 1;
}
