#!/bin/bash
# plan: hops with a reason each, budget, targets, exit codes.
. "$(dirname "$0")/lib.sh"

make_sysfs "$WORK/sys"
# 1.5.20 only takes over from 1.5.10 or newer: 1.5.06 needs two hops.
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.10 1.5.20,min=1.5.10 || exit 1
export TDXCTL_SYSFS_ROOT=$WORK/sys TDXCTL_STORE=$WORK/store

run plan --json
expect_rc 0 "plan --json"
expect_json '.from' 1.5.06
expect_json '.to' 1.5.20
expect_json '[.hops[].version]' '["1.5.10","1.5.20"]'
expect_json '.hops[1].reason' target
expect_json '.hops[0].reason | startswith("needed")' true
expect_json '.budget' 9
expect_empty "$ERR" "stderr of plan --json"

run plan
expect_rc 0 "plan"
expect_grep "$OUT" '1\.5\.06 -> 1\.5\.20, 2 updates'
expect_grep "$OUT" '1\. 1\.5\.06 -> 1\.5\.10: needed'
expect_grep "$OUT" '2\. 1\.5\.10 -> 1\.5\.20: target'

run plan 1.5.10 --json
expect_rc 0 "plan 1.5.10"
expect_json '[.hops[].version]' '["1.5.10"]'

run plan 1.5.99
expect_rc 1 "plan to a version not in the store"
expect_grep "$ERR" '1\.5\.99'
expect_one_error_line

# Budget: 2 left, reserve 1 -> one update allowed: newest reachable is 1.5.10.
make_sysfs "$WORK/two" remaining=2
run plan --json --sysfs-root "$WORK/two"
expect_rc 0 "plan within a budget of 1"
expect_json '.to' 1.5.10
expect_json '.budget' 1
run plan 1.5.20 --sysfs-root "$WORK/two"
expect_rc 3 "plan 1.5.20 over budget"
expect_one_error_line
run plan 1.5.20 --json --sysfs-root "$WORK/two" --reserve 0
expect_rc 0 "plan 1.5.20 without a reserve"

# A target the CPU cannot run: no plan (3).
run plan 1.5.20 --cpu-signature=0xc06f0
expect_rc 3 "plan for another CPU"
expect_grep "$ERR" 'no plan'

# Up to date: exit 0, no hops.
make_sysfs "$WORK/new" version=1.5.20
run plan --json --sysfs-root "$WORK/new"
expect_rc 0 "plan when up to date"
expect_json '.hops' '[]'
run plan --sysfs-root "$WORK/new"
expect_grep "$OUT" 'Up to date: 1\.5\.20'

finish
