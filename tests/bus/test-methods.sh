#!/bin/bash
# The read-only methods (ListCandidates, Plan, History) and their errors.
. "$BUS_SRCDIR/lib.sh"
standard_setup

as_nobody "${BUSCTL[@]}" call "${DEST[@]}" ListCandidates >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0 ListCandidates
# Newest first; the running one carries its reason.
expect_grep "$OUT" '^a\(sbas\) 3 "1.5.10" true 0 "1.5.08" true 0 "1.5.06" false 1 "running"'

call Plan s ""
expect_rc 0 Plan
expect_grep "$OUT" '^sas "1.5.06" 1 "1.5.10"$'
call Plan s 1.5.08
expect_rc 0 "Plan 1.5.08"
expect_grep "$OUT" '^sas "1.5.06" 1 "1.5.08"$'

call Plan s 1.5.99
expect_rc 1 "Plan to a version not in the store"
expect_grep "$ERR" 'not|No such'
call Plan s banana
expect_rc 1 "Plan to junk"
expect_grep "$ERR" "'banana' is not a version"
call Plan s 1.5.06
expect_rc 1 "Plan to the running version"

# Error names: busctl prints only messages, dbus-send prints the names.
plan_err() {
	dbus-send --system --print-reply --dest=org.tdxctl.tdx1 /org/tdxctl/tdx1 \
		org.tdxctl.tdx1.Manager.Plan "string:$1" 2>&1
	true
}
CHECKS=$((CHECKS + 1))
plan_err 1.5.99 | grep -q 'org.tdxctl.tdx1.Error.NotFound' || fail "NotFound: $(plan_err 1.5.99)"
CHECKS=$((CHECKS + 1))
plan_err 1.5.06 | grep -q 'org.tdxctl.tdx1.Error.UpToDate' || fail "UpToDate: $(plan_err 1.5.06)"
CHECKS=$((CHECKS + 1))
plan_err x | grep -q 'org.freedesktop.DBus.Error.InvalidArgs' || fail "InvalidArgs: $(plan_err x)"

# Not enough update slots for the reserve: NoUpdatesLeft.
set_sysfs "$WORK/sys" remaining=1
call Refresh
CHECKS=$((CHECKS + 1))
plan_err "" | grep -q 'org.tdxctl.tdx1.Error.NoUpdatesLeft' || fail "NoUpdatesLeft: $(plan_err "")"
expect_prop BestUpdate '""'

# History of a fresh daemon is empty and readable by anyone.
as_nobody "${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0 History
expect_grep "$OUT" '^a\(stssssiiss\) 0$'

# Unknown options are refused, not ignored.
call Update "sa{sv}" "" 1 frobnicate b true
expect_rc 1 "Update with an unknown option"
expect_grep "$ERR" "unknown option 'frobnicate'"
call Update "sa{sv}" "" 1 dry_run s yes
expect_rc 1 "Update with a mistyped option"
expect_grep "$ERR" "dry_run must be a boolean"
# tdxd.conf's TrustedSigningKeys= replaces the trust list: with only Intel's
# key every synthetic image is blocked as untrusted, through the bus too.
stop_tdxd
write_conf "[Update]" "TrustedSigningKeys=$INTEL_KEY_SHA256"
start_tdxd
as_nobody "${BUSCTL[@]}" call "${DEST[@]}" ListCandidates >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0 "ListCandidates with only Intel's key trusted"
expect_grep "$OUT" '"1.5.10" false 1 "untrusted_key" "1.5.08" false 1 "untrusted_key"'
run list
expect_rc 0 "tdxctl list through tdxd"
expect_grep "$OUT" 'signed by a key that is not trusted'

# A store that tdxd.service's sandbox hides (ProtectHome=yes): under systemd
# (INVOCATION_ID) the error names the sandbox, and the path once (issue 14).
stop_tdxd
write_conf
sed -i "s|^Path=.*|Path=/root/tdxctl-no-such-store|" "$WORK/tdxd.conf"
INVOCATION_ID=0123456789abcdef start_tdxd
call ListCandidates
expect_rc 1 "ListCandidates with a store in /root"
expect_grep "$ERR" "module store unusable: /root/tdxctl-no-such-store: No such file or directory \\(hidden by tdxd.service's sandbox \\(ProtectHome=yes, PrivateTmp=yes\\); see tdxd\\(8\\), SANDBOX\\)"
expect_no_grep "$ERR" "tdxctl-no-such-store: /root"
bus_finish
