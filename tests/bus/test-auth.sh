#!/bin/bash
# Authorization: reads are open, mutations need root or polkit's yes, and
# without polkit on the bus only root. Denials carry clear error names.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup

# gdbus prints the error name, which is what a client matches on.
nobody_call() { # METHOD ARGS...
	as_nobody gdbus call --system --dest org.tdxctl.tdx1 --object-path /org/tdxctl/tdx1 \
		--method "org.tdxctl.tdx1.Manager.$1" "${@:2}" >"$OUT" 2>&1
	RC=$?
}

# Reads: open to everyone.
nobody_call ListCandidates
expect_rc 0 "ListCandidates as nobody"
nobody_call History
expect_rc 0 "History as nobody"

# No polkit on the bus: only root.
nobody_call Update "" "{}"
expect_rc 1 "Update as nobody without polkit"
expect_grep "$OUT" 'org.tdxctl.tdx1.Error.AccessDenied'
expect_grep "$OUT" 'polkit is not available'
nobody_call Refresh
expect_rc 1 "Refresh as nobody without polkit"
expect_grep "$OUT" 'org.tdxctl.tdx1.Error.AccessDenied'
nobody_call Inhibit me test
expect_rc 1 "Inhibit as nobody without polkit"
expect_grep "$OUT" 'org.tdxctl.tdx1.Error.AccessDenied'
expect_prop Inhibitors 0

# polkit says no: NotAuthorized, and polkit was asked about the right action.
"$FAKE_POLKIT" no >"$WORK/polkit.log" 2>&1 &
PIDS+=($!)
wait_for 50 grep -q ready "$WORK/polkit.log"
nobody_call Update "" "{}"
expect_rc 1 "Update as nobody, polkit says no"
expect_grep "$OUT" 'org.tdxctl.tdx1.Error.NotAuthorized'
expect_grep "$WORK/polkit.log" 'CheckAuthorization system-bus-name org.tdxctl.tdx1.update -> no'
nobody_call Refresh
expect_grep "$WORK/polkit.log" 'org.tdxctl.tdx1.refresh -> no'
expect_grep "$WORK/tdxd.log" 'denied org.tdxctl.tdx1.update'
kill "${PIDS[-1]}"
wait "${PIDS[-1]}" 2>/dev/null

# polkit says yes: the job starts (a dry run here). A fresh log: the "ready"
# of the fake above must not count.
rm -f "$WORK/polkit.log"
"$FAKE_POLKIT" yes >"$WORK/polkit.log" 2>&1 &
PIDS+=($!)
wait_for 50 grep -q ready "$WORK/polkit.log"
as_nobody "${BUSCTL[@]}" call "${DEST[@]}" Update "sa{sv}" "" 1 dry_run b true >"$OUT" 2>"$ERR"
RC=$?
expect_rc 0 "Update as nobody, polkit says yes"
expect_grep "$OUT" '^o "/org/tdxctl/tdx1/job/[0-9]+"$'
job=$(sed -E 's/^o "(.*)"$/\1/' "$OUT")
CHECKS=$((CHECKS + 1))
[ "$(wait_job "$job")" = dry-run-passed ] || fail "polkit-authorized dry run: $(job_prop "$job" Error)"
nobody_call Refresh
expect_rc 0 "Refresh as nobody, polkit says yes"

# Root never asks polkit.
n=$(grep -c CheckAuthorization "$WORK/polkit.log")
call Refresh
expect_rc 0 "Refresh as root"
CHECKS=$((CHECKS + 1))
[ "$(grep -c CheckAuthorization "$WORK/polkit.log")" = "$n" ] || fail "root was sent to polkit"

# The bus policy: nobody may not own our name.
as_nobody "${BUSCTL[@]}" call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
	RequestName su org.tdxctl.tdx1 0 >"$OUT" 2>"$ERR"
RC=$?
expect_rc 1 "nobody owning org.tdxctl.tdx1"
bus_finish
