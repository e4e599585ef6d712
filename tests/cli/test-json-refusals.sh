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
expect_json 'j["hops"]' "[]"
expect_json 'j["to"]' None
expect_json 'j["from"]' 1.5.06
expect_json '"no chain" in j["error"] or "cannot be installed" in j["error"]' True
run plan --json 1.5.99
expect_rc 1 "plan --json, not in the store"
expect_json 'j["error"]' "no plan: 1.5.99 is not in the store"
run plan --json
expect_rc 0 "plan --json"
expect_json 'j["error"]' None
expect_json 'j["to"]' 1.5.08

run update --json 1.5.08
expect_rc 2 "update --json without --yes off a terminal"
expect_json 'j["result"]' refused
expect_json '"--yes" in j["error"]' True
run update --json --yes x.y
expect_rc 2 "update --json, bad version"
expect_json 'j["result"]' refused
expect_json '"is not a version" in j["error"]' True
expect_empty "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data" "data"
finish
