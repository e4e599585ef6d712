#!/bin/bash
# --direct takes tdxd.conf's update rules as its defaults, as tdxd does:
# Reserve= (the P-SEAMLDR update slots kept back), StrictCompat= and
# UploadTimeoutSec=; an option given on the command line says otherwise for
# that run, and --strict-compat can only add to StrictCompat=. A site that
# keeps a larger reserve must not have it spent by a --direct update by hand.
. "$(dirname "$0")/lib.sh"

"$CLI_MKSTORE" "$WORK/store" --format=0x100 1.5.06 1.5.08 || exit 1
export TDXCTL_STORE=$WORK/store
make_sysfs "$WORK/two" remaining=2
export TDXCTL_SYSFS_ROOT=$WORK/two
fw=$WORK/two/devices/faux/tdx_host/firmware/tdx_module

# No tdxd.conf: the built-in reserve (1) leaves one of the two slots.
run update --dry-run --json
expect_rc 0 "dry run, two slots, default reserve"
expect_json '.hops[0].preflight.passed' true
expect_json '.upload_timeout_s' 600

printf '[Update]\nReserve=2\nUploadTimeoutSec=45\n' >"$TDXD_CONFIG"
run update --yes
expect_rc 1 "update with tdxd.conf Reserve=2 and two slots"
expect_grep "$ERR" 'reserve \(Reserve=, --reserve\) keeps 2'
expect_one_error_line
expect_fw_untouched "$fw" "update under Reserve=2"
run status --json
expect_json '.best_update.state' none
run plan --json
expect_rc 3 "plan with every slot reserved"

# The option wins for its run, in both directions.
run update --dry-run --json --reserve=1
expect_rc 0 "dry run with --reserve=1 over Reserve=2"
expect_json '.hops[0].preflight.passed' true
expect_json '.upload_timeout_s' 45
run update --dry-run --json --reserve=1 --timeout=7
expect_json '.upload_timeout_s' 7
printf '[Update]\nReserve=0\n' >"$TDXD_CONFIG"
run update --yes --reserve=2
expect_rc 1 "--reserve=2 over Reserve=0"
expect_fw_untouched "$fw" "update under --reserve=2"

# StrictCompat=: 1.5.08 is strictly compatible with 1.5.04 only.
make_strict_store "$WORK/strict" || exit 1
rm "$TDXD_CONFIG"
run list --json --store "$WORK/strict"
expect_json '.candidates[0].installable' true
printf '[Update]\nStrictCompat=yes\n' >"$TDXD_CONFIG"
run list --json --store "$WORK/strict"
expect_json '.candidates[0].reasons' '["strict_compat"]'
run update 1.5.08 --yes --store "$WORK/strict"
expect_rc 3 "update refused by StrictCompat="
expect_grep "$ERR" 'strict'
expect_fw_untouched "$fw" "update under StrictCompat="

# A bad value is one line naming the file and the key, exit 1, nothing written.
printf '[Update]\nReserve=many\n' >"$TDXD_CONFIG"
run update --yes
expect_rc 1 "tdxd.conf Reserve=many"
expect_grep "$ERR" 'Reserve'
expect_one_error_line
expect_fw_untouched "$fw" "update with a bad tdxd.conf"
finish
