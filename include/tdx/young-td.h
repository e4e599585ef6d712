/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * [Inhibit] YoungTdSec=: refuse an update while any KVM VM is younger than
 * N seconds and TDs may exist. For what no hook sees (Kata, QEMU started
 * directly, a TD reset that rebuilds the TD in a running QEMU). A heuristic
 * from what KVM exposes; tdxctl-vmm(7) says where it is blind:
 *
 *  - each VM has a debugfs directory <debugfs>/kvm/<pid>-<fd>, created by
 *    KVM_CREATE_VM (debugfs stamps it with the creation time). A TD reset
 *    that re-creates the VM makes a new one. Nothing there says which VM is
 *    a TD, or where its build is.
 *  - KVM with TDX charges one "tdx" unit of the misc cgroup per TD from
 *    KVM_TDX_INIT_VM until the TD's key is freed: the root's misc.current
 *    counts the TDs on the host. "tdx 0" means no TD at all; no "tdx" line
 *    (KVM without TDX, or not loaded) proves nothing.
 *
 * Paths hang off the sysfs root (<root>/kernel/debug, <root>/fs/cgroup) so
 * tests use fixture trees.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tdx/diag.h>

struct tdx_kvm_vms {
	bool debugfs_seen; /* <root>/kernel/debug is a mounted debugfs with content */
	unsigned n_vms;	   /* <pid>-<fd> directories */
	unsigned n_young;  /* of those, younger than the limit */
	uint64_t youngest_age_usec;
	char youngest[32]; /* "<pid>-<fd>" of the youngest */
	int tdx_keys;	   /* TDs by the misc cgroup; -1 unknown */
};

/* Reads both sources at now (CLOCK_REALTIME usec); young: age < young_usec. */
int tdx_kvm_vms_scan(const char *sysfs_root, uint64_t now_usec, uint64_t young_usec,
		     struct tdx_kvm_vms *ret, struct tdx_diag *diag);

/*
 * 0 when no TD can be younger than young_usec; -EBUSY naming the youngest
 * VM otherwise, and when the VMs' ages cannot be read (debugfs not mounted)
 * while TDs may exist: a policy that cannot look refuses.
 */
int tdx_young_td_check(const char *sysfs_root, uint64_t young_usec, struct tdx_diag *diag);

/* The "tdx N" line of a misc.current text (modified in place): N, or -1 when there is none. */
int tdx_misc_current_tdx(char *text);
