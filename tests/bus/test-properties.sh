#!/bin/bash
# Every Manager property against a known fixture; the cache is served until a
# Refresh (or a uevent) and PropertiesChanged says what changed.
. "$BUS_SRCDIR/lib.sh"
standard_setup

expect_prop ModuleVersion '"1.5.06"'
expect_prop ModuleState '"running"'
expect_prop SeamldrVersion '"1.5.02"'
expect_prop RemainingUpdates 10
expect_prop RuntimeUpdate true
expect_prop RuntimeUpdateReason '""'
expect_prop CpuSignature $((0x806f8))
expect_prop AbiLayout '"mainline"'
expect_prop ImageFormat '"0x200"'
expect_prop FwUploadStatus '"idle"'
expect_prop TcbVersion '"1.5.06"'
expect_prop TcbSource '"store"'
expect_prop BuildDate '"2025-01-01"'
expect_prop BestUpdate '"1.5.10"'
expect_prop BestUpdateReason '"1 hop"'
expect_prop UpdateState '"idle"'
expect_prop UpdateProgress 0
expect_prop LastResult '""'
expect_prop StorePath "\"$WORK/store\""
expect_prop AutoUpdate '"off"'
expect_prop Inhibitors 0
CHECKS=$((CHECKS + 1))
mrseam=$(prop Mrseam)
[[ $mrseam =~ ^\"[0-9a-f]{96}\"$ ]] || fail "Mrseam is $mrseam"
CHECKS=$((CHECKS + 1))
[ "$(prop SeamSvn)" != "" ] || fail "SeamSvn missing"

# GetAll answers everything in one call, also for an unprivileged caller.
as_nobody "${BUSCTL[@]}" call org.tdxctl.tdx1 /org/tdxctl/tdx1 org.freedesktop.DBus.Properties \
	GetAll s org.tdxctl.tdx1.Manager >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0 GetAll
expect_grep "$OUT" '"ModuleVersion" s "1.5.06"'
expect_grep "$OUT" '"BestUpdate" s "1.5.10"'

# The cache: the fixture changes, the property does not until Refresh.
dbus-monitor --system "type='signal',interface='org.freedesktop.DBus.Properties',path='/org/tdxctl/tdx1'" \
	>"$WORK/monitor.log" 2>&1 &
PIDS+=($!)
sleep 0.3
set_sysfs "$WORK/sys" version=1.5.08 remaining=7
expect_prop ModuleVersion '"1.5.06"'
expect_prop RemainingUpdates 10
call Refresh
expect_rc 0 Refresh
expect_prop ModuleVersion '"1.5.08"'
expect_prop RemainingUpdates 7
expect_prop BestUpdate '"1.5.10"'
wait_for 30 grep -q '"RemainingUpdates"' "$WORK/monitor.log"
expect_grep "$WORK/monitor.log" 'string "ModuleVersion"' PropertiesChanged
expect_grep "$WORK/monitor.log" 'string "RemainingUpdates"' PropertiesChanged
expect_no_grep "$WORK/monitor.log" 'string "SeamldrVersion"' PropertiesChanged

# Up to date: no best update, and the reason says so.
set_sysfs "$WORK/sys" version=1.5.10
call Refresh
expect_prop BestUpdate '""'
expect_prop BestUpdateReason '"up to date"'

# A lost module (version read gives ENXIO).
lose_module "$WORK/sys"
call Refresh
expect_prop ModuleState '"lost"'
expect_prop ModuleVersion '""'
expect_prop TcbSource '"unknown"'

# Runtime update hidden by the kernel: unsupported, with the reason.
rm -rf "$WORK/sys"
make_sysfs "$WORK/sys" hidden
call Refresh
expect_prop RuntimeUpdate false
CHECKS=$((CHECKS + 1))
[ "$(prop RuntimeUpdateReason)" != '""' ] || fail "no RuntimeUpdateReason"
expect_prop RemainingUpdates -1
expect_prop SeamldrVersion '""'

# Introspection lists the interface with its methods and signal.
call_intro=$("${BUSCTL[@]}" introspect org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager)
for m in .Refresh .ListCandidates .Plan .Update .UpdateFromFd .Inhibit .History .UpdateFinished; do
	CHECKS=$((CHECKS + 1))
	grep -q -- "^\\$m " <<<"$call_intro" || fail "introspection lacks $m"
done
bus_finish
