/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Test doubles for the kernel side, usable by any test:
 *
 *  - fixture_create(): a temporary sysfs root with tdx_host in one of the
 *    three ABI layouts and a chosen state, cpu online/present files and a
 *    fw_upload directory (status error loading data remaining_size cancel,
 *    plain files with the kernel's modes and contents). Point
 *    TDXCTL_SYSFS_ROOT (or tdx_host_probe) at it. The shell suites build the
 *    same trees with `fake-kernel --make-sysfs` (fixture_create_at()): this
 *    file is the one definition of what a tdx_host tree looks like.
 *  - struct fake_fw + fake_fw_io: a scripted struct tdx_fwupload_io that
 *    records every write and plays back status/error/version sequences on a
 *    fake clock, for the engine and everything above it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/fwupload.h>
#include <tdx/host.h>

struct fixture_spec {
	enum tdx_abi_layout layout;  /* TDX_ABI_UNKNOWN: no tdx_host at all (not a TDX host) */
	const char *version;	     /* NULL: "1.5.06" */
	const char *seamldr_version; /* NULL: "1.5.02" */
	const char *remaining;	     /* num_remaining_updates; NULL: "10" */
	const char *cpu_online;	     /* NULL: "0-1" */
	const char *cpu_present;     /* NULL: "0-1" */
	const char *status;	     /* fw_upload status; NULL: "idle" */
	bool hidden;		     /* no seamldr attributes, no fw_upload (kernel hides them) */
	bool no_fwupload;	     /* seamldr attributes but no fw_upload directory */
	bool lost;		     /* version is a socket: reading it gives ENXIO */
	bool device_path_only;	     /* fw_upload only under tdx_host/firmware, no class link */
};

/* Creates the tree under a new /tmp directory; *ret_root is malloc'ed. */
int fixture_create(const struct fixture_spec *spec, char **ret_root);
/* Creates the tree under root (made if missing, existing attributes replaced). */
int fixture_create_at(const char *root, const struct fixture_spec *spec);
/*
 * Applies one "key=value" or flag word (fake-kernel --make-sysfs and --set):
 * version= seamldr= remaining= online= present= status= (the attribute's
 * text), layout=mainline|seamldr-dir|seamldr-upload|none, and the flags
 * hidden, no-fwupload, lost, device-path-only. Strings point into arg.
 * -EINVAL for an unknown key, an unknown layout or a flag given a value.
 */
int fixture_spec_set(struct fixture_spec *spec, const char *arg);
/*
 * A state change on an existing tree (fake-kernel --set): writes the
 * attributes spec names (non-NULL strings) with the kernel's modes, makes
 * version unreadable (lost) or hides the update attributes (hidden). The
 * layout is the tree's; -EINVAL if spec asks for a different shape.
 */
int fixture_set(const char *root, const struct fixture_spec *spec);
/* The layout of an existing tree. */
enum tdx_abi_layout fixture_layout(const char *root);
/*
 * cmocka-shaped setup/teardown: *state becomes the root of a tree with only
 * the cpu files (no tdx_host), a scratch directory for attribute tests.
 */
int fixture_setup_empty(void **state);
int fixture_teardown_empty(void **state);
/* Removes the tree (rm -rf of root); root may be NULL. */
void fixture_destroy(const char *root);
/* Writes value to <root>/<rel>, creating or replacing the file (and a lost version). */
int fixture_write(const char *root, const char *rel, const char *value);
/* Turns <root>/<rel> into a UNIX socket so that open() fails with ENXIO (module lost). */
int fixture_make_enxio(const char *root, const char *rel);
/* Paths relative to the root, for fixture_write(). */
#define FIXTURE_HOST	    "devices/faux/tdx_host"
#define FIXTURE_VERSION	    FIXTURE_HOST "/version"
#define FIXTURE_CPU_ONLINE  "devices/system/cpu/online"
#define FIXTURE_CPU_PRESENT "devices/system/cpu/present"
/* Relative path of a layout's num_remaining_updates and fw_upload directory. */
const char *fixture_remaining_rel(enum tdx_abi_layout layout);
const char *fixture_fwupload_rel(enum tdx_abi_layout layout);
const char *fixture_seamldr_version_rel(enum tdx_abi_layout layout);

/* ---- scripted fw_upload ---- */

#define FAKE_FW_MAX_STATUS 16
#define FAKE_FW_MAX_LOG	   64

struct fake_fw;
/* Runs when loading=0 is written: the "kernel" installs (edit a fixture, ...). */
typedef void (*fake_fw_install_fn)(struct fake_fw *f, void *ud);

struct fake_fw {
	/* script */
	const char *status_before;		      /* status until loading=0; NULL: "idle" */
	const char *status_after[FAKE_FW_MAX_STATUS]; /* one per read after loading=0; the last
						       * repeats; none: "idle" */
	const char *error;			      /* error attribute once idle; NULL: "" */
	unsigned error_busy_reads;		      /* first reads of error give -EBUSY */
	int status_err;			/* non-zero: every status read fails with it */
	int status_err_after;		/* non-zero: status reads after loading=0 fail with it */
	int loading1_err, loading0_err; /* returned by writes of "1" / "0" to loading */
	int open_err;			/* returned by data_open */
	size_t max_write;	    /* accept at most this much per write (short writes); 0: all */
	unsigned eintr_every;	    /* every Nth data write gives -EINTR first; 0: never */
	unsigned fail_write_at;	    /* the Nth data write (1-based) fails with -EIO; 0: never */
	const char *version_path;   /* read the version from this file (a fixture) */
	struct tdx_version version; /* else: this version ... */
	int version_err;	    /* ... or this error (e.g. -ENXIO) */
	fake_fw_install_fn on_install;
	void *install_ud;

	/* recorded */
	char log[FAKE_FW_MAX_LOG][48]; /* "loading=1", "data-open", "data-close", ... in order */
	unsigned n_log;
	uint8_t *data; /* every byte accepted by data_write (malloc'ed) */
	size_t data_size;
	size_t largest_write;	     /* largest len passed to data_write */
	unsigned data_writes;	     /* data_write calls, EINTRs included */
	unsigned status_reads_after; /* status reads since loading=0 */
	bool installing;	     /* loading=0 was written successfully */
	uint64_t now;		     /* fake CLOCK_MONOTONIC, advanced by sleep_usec */
	uint64_t first_sleep, max_sleep;
	unsigned sleeps;
};

extern const struct tdx_fwupload_io fake_fw_io;
/* Frees what the fake recorded. */
void fake_fw_done(struct fake_fw *f);
/* True when anything was written to loading or data (the safety invariant tests use this). */
bool fake_fw_touched(const struct fake_fw *f);
/* Index of the first log entry equal to s, or -1. */
int fake_fw_log_find(const struct fake_fw *f, const char *s);
