#!/bin/bash
# After a job's Finished, tdxd's refresh waits until the caller has gone
# (job-after.c: it slowed the caller's exit in the TCG guest; issue 11). No
# answer may come from the cache of before the job meanwhile: a caller that
# stays connected and asks at once sees the new module; so does the next
# caller after `tdxctl update`; UpdateFinished and the idle state still come.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup
start_fake_kernel success 1.5.08
fk=${PIDS[-1]}

# The caller asks on the connection that followed the job, right after Finished;
# the job's history record and installed.json were on disk when Finished came.
CHECKS=$((CHECKS + 1))
got=$("$UPDATE_FOLLOW" 1.5.08 "$WORK/state" 2>"$ERR") || fail "update-follow: $(cat "$ERR")"
[ "$got" = "success 1.5.08 history installed" ] ||
	fail "right after Finished the caller read '$got', expected 'success 1.5.08 history installed'"
expect_prop UpdateState '"idle"'
expect_prop BestUpdate '"1.5.10"'
kill "$fk"
wait "$fk" 2>/dev/null
start_fake_kernel success 1.5.10

# tdxctl exits on Finished; whoever asks next sees the new module, and the
# Manager's UpdateFinished signal is sent.
dbus-monitor --system "type='signal',interface='org.tdxctl.tdx1.Manager',member='UpdateFinished'" \
	>"$WORK/monitor.txt" 2>&1 &
mon=$!
# NameLost: the bus made it a monitor (NameAcquired comes before that).
wait_for 50 grep -q 'member=NameLost' "$WORK/monitor.txt" || fail "dbus-monitor did not start"
run update --yes 1.5.10
expect_rc 0 "update --yes 1.5.10"
expect_prop ModuleVersion '"1.5.10"'
expect_prop UpdateState '"idle"'
CHECKS=$((CHECKS + 1))
wait_for 50 grep -q 'member=UpdateFinished' "$WORK/monitor.txt" ||
	fail "no UpdateFinished signal: $(cat "$WORK/monitor.txt")"
kill "$mon"
wait "$mon" 2>/dev/null

# A fatal job: the reboot marker is written before Finished, as the history
# record, not with the post-job refresh (which waits for the caller to go).
kill "${PIDS[-1]}"
wait "${PIDS[-1]}" 2>/dev/null
start_fake_kernel fatal
set_sysfs "$WORK/sys" version=1.5.08
"${BUSCTL[@]}" call "${DEST[@]}" Refresh >/dev/null
[ ! -e "$WORK/reboot-required" ] || fail "a reboot marker before the fatal job"
CHECKS=$((CHECKS + 1))
got=$("$UPDATE_FOLLOW" 1.5.10 "$WORK/state" "$WORK/reboot-required" 2>"$ERR") ||
	fail "update-follow (fatal): $(cat "$ERR")"
[ "$got" = "fatal  history installed marker" ] ||
	fail "right after a fatal Finished the caller read '$got', expected 'fatal  history installed marker'"
bus_finish
