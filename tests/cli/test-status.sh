#!/bin/bash
# status: every field, in JSON and text, on several kinds of hosts.
. "$(dirname "$0")/lib.sh"

S=$WORK/sys
make_sysfs "$S"
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 || exit 1
export TDXCTL_SYSFS_ROOT=$S TDXCTL_STORE=$WORK/store

run status --json
expect_rc 0 "status --json"
expect_json '.module_version' 1.5.06
expect_json '.module_state' running
expect_json '.seamldr_version' 1.5.02
expect_json '.num_remaining_updates' 10
expect_json '.runtime_update' supported
expect_json '.abi_layout' mainline
expect_json '.image_format' 0x200
expect_json '.cpu_signature' 0x806f8
expect_json '.cpu_platform' 'Sapphire Rapids'
expect_json '.fw_upload_status' idle
expect_json '.store' "$WORK/store"
expect_json '.best_update.state' available
expect_json '.best_update.version' 1.5.08
expect_json '.best_update.hops' 1
expect_empty "$ERR" "stderr of status --json"

run status
expect_rc 0 "status"
expect_grep "$OUT" 'Module: 1\.5\.06 \(running\)'
expect_grep "$OUT" 'P-SEAMLDR: 1\.5\.02'
expect_grep "$OUT" 'Updates left: 10'
expect_grep "$OUT" 'CPU: 0x806f8 \(Sapphire Rapids\)'
expect_grep "$OUT" 'Kernel ABI: mainline, image format 0x200'
expect_grep "$OUT" 'Best update: 1\.5\.08 \(1 update\)'

# A missing store must not make status fail.
run status --json --store "$WORK/nothing"
expect_rc 0 "status without a store"
expect_json '.best_update.state' unknown
expect_json '.module_version' 1.5.06

# Up to date.
"$CLI_MKSTORE" "$WORK/store-old" 1.5.06 || exit 1
run status --json --store "$WORK/store-old"
expect_rc 0 "status, up to date"
expect_json '.best_update.state' up-to-date

# Not a TDX host at all.
mkdir -p "$WORK/empty"
run status --json --sysfs-root "$WORK/empty"
expect_rc 0 "status on a non-TDX host"
expect_json '.module_state' absent
expect_json '.runtime_update' no-tdx-host
expect_json '.runtime_update_reason != null' true
expect_json '.fw_upload_status' null

# Patch-series layout (v4..v7): image format 0x100.
make_sysfs "$WORK/v4" layout=seamldr-dir
run status --json --sysfs-root "$WORK/v4"
expect_rc 0 "status on seamldr-dir"
expect_json '.abi_layout' seamldr-dir
expect_json '.image_format' 0x100

# Lost module: version reads ENXIO (a socket in the fixture).
make_sysfs "$WORK/lost"
lose_module "$WORK/lost"
run status --json --sysfs-root "$WORK/lost"
expect_rc 0 "status with a lost module"
expect_json '.module_state' lost
run status --sysfs-root "$WORK/lost"
expect_grep "$OUT" 'Module: LOST'

# status --quiet: nothing printed, the state in the exit code (tdxctl(8)).
# expect_quiet RC WHAT ARGS...
expect_quiet() {
	local want=$1 what=$2
	shift 2
	run status --quiet "$@"
	expect_rc "$want" "status --quiet, $what"
	expect_empty "$OUT" "stdout of status --quiet, $what"
	expect_empty "$ERR" "stderr of status --quiet, $what"
}
expect_quiet 10 "update available"
expect_quiet 0 "up to date" --store "$WORK/store-old"
expect_quiet 0 "nothing this CPU can run" --cpu-signature=0x50650
expect_quiet 11 "module lost" --sysfs-root "$WORK/lost"
expect_quiet 12 "no TDX host" --sysfs-root "$WORK/empty"
expect_quiet 12 "no store" --store "$WORK/nothing"
make_sysfs "$WORK/noldr" seamldr=garbage
expect_quiet 12 "P-SEAMLDR version unknown" --sysfs-root "$WORK/noldr"
run status -q --json
expect_rc 10 "status -q --json"
expect_empty "$OUT" "stdout of status -q --json"
# Without --quiet the state does not change the exit code.
run status --sysfs-root "$WORK/lost"
expect_rc 0 "status (not quiet) with a lost module"

# Unknown CPU (not in the table) still reports.
run status --json --cpu-signature=0x50650
expect_rc 0 "status on an unknown CPU"
expect_json '.cpu_signature' 0x50650
expect_json '.cpu_platform' null
# Nothing newer can run here: up to date, and the reason names what is blocked.
expect_json '.best_update.state' up-to-date
expect_json '.best_update.reason | contains("1.5.08")' true

finish
