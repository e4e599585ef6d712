/* SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1-or-later */
#ifndef TDX_SIM_PAYLOAD_H
#define TDX_SIM_PAYLOAD_H

/*
 * The convention for synthetic TDX module binaries, shared by the simulator
 * (kernel/tdx_host_sim.c) and the tools that build test catalogs
 * (tests/common/synth.c). A real module knows its own version and which
 * running versions it can take over from; ours carry those facts in the
 * first bytes of the module binary, where the simulator can read them after
 * the image passed the kernel's header checks. See mapping/README.md.
 *
 *   0x00  char  magic[8]  "TDXSIMOD"
 *   0x08  u32   payload layout version (1)
 *   0x0c  u32   major, 0x10 u32 minor, 0x14 u32 update      (own version)
 *   0x18  u32   handoff major, 0x1c minor, 0x20 update      (oldest running
 *                                                             version it can
 *                                                             take over from)
 *   0x24  u32   flags (none defined; must be 0)
 *   0x28  ...   filler, deterministic, to the end of the module
 * All integers little-endian.
 */
#define TDX_SIM_MAGIC          "TDXSIMOD"
#define TDX_SIM_MAGIC_LEN      8
#define TDX_SIM_LAYOUT_VERSION 1
#define TDX_SIM_OFF_LAYOUT     0x08
#define TDX_SIM_OFF_VERSION    0x0c
#define TDX_SIM_OFF_HANDOFF    0x18
#define TDX_SIM_OFF_FLAGS      0x24
#define TDX_SIM_HEADER_SIZE    0x28

#endif
