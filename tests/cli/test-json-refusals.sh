#!/bin/bash
# Under --json every exit of a verb that reaches a decision prints its
# document (issue 7): plan with no plan (exit 3, exit 1) and update's usage
# errors (exit 2: a bad version, no --yes off a terminal) included.
. "$(dirname "$0")/lib.sh"
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 1.5.20,min=1.5.10 >/dev/null || exit 1
export TDXCTL_STORE=$WORK/store TDXCTL_SYSFS_ROOT=$WORK/sys
make_sysfs "$WORK/sys"

run plan --json 1.5.20
expect_rc 3 "plan --json, no chain"
expect_json '.hops' "[]"
expect_json '.to' null
expect_json '.from' 1.5.06
expect_json '.error | contains("no chain") or contains("cannot be installed")' true
run plan --json 1.5.99
expect_rc 1 "plan --json, not in the store"
expect_json '.error' "no plan: 1.5.99 is not in the store"
run plan --json
expect_rc 0 "plan --json"
expect_json '.error' null
expect_json '.to' 1.5.08

run update --json 1.5.08
expect_rc 2 "update --json without --yes off a terminal"
expect_json '.result' refused
expect_json '.error | contains("--yes")' true
run update --json --yes x.y
expect_rc 2 "update --json, bad version"
expect_json '.result' refused
expect_json '.error | contains("is not a version")' true
expect_empty "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data" "data"
finish
