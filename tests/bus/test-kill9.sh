#!/bin/bash
# kill -9 of tdxd mid-upload does not lose the attempt (issue 7, defect 9):
# before the first byte the job writes pending.json; a restarted tdxd finds
# it and records the attempt as "unknown", with what it observes now, in
# History and LastResult. A clean job leaves no pending file behind.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup

# A clean update: history gets the record, no pending file stays.
start_fake_kernel success 1.5.08
fk=${PIDS[-1]}
job=$(start_update 1.5.08)
expect_job "$job" success "clean update"
CHECKS=$((CHECKS + 1))
[ ! -e "$WORK/state/pending.json" ] || fail "pending.json left after a finished job"

# Paused mid-upload (the fake kernel stopped: the one-page FIFO is full), then SIGKILL.
kill -STOP "$fk"
job=$(start_update 1.5.10)
wait_for 100 sh -c "busctl --system get-property org.tdxctl.tdx1 $job org.tdxctl.tdx1.Job Phase | grep -q writing"
CHECKS=$((CHECKS + 1))
[ -s "$WORK/state/pending.json" ] || fail "no pending.json while writing"
expect_grep "$WORK/state/pending.json" '"result":"in-progress"'
kill -9 "$TDXD_PID"
wait "$TDXD_PID" 2>/dev/null
TDXD_PID=
kill "$fk"
kill -CONT "$fk"
wait "$fk" 2>/dev/null
start_tdxd
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '"1.5.06" "1.5.08" "[0-9a-f]{64}" "[^"]*" 10 9 "success"'
expect_grep "$OUT" '"1.5.08" "1.5.10" "[0-9a-f]{64}" "[^"]*" 9 9 "unknown" "tdxd stopped during this update \(killed or crashed\); outcome unknown; at the next start the module was 1.5.08, update slots left: 9"'
expect_prop LastResult '"unknown"'
CHECKS=$((CHECKS + 1))
[ ! -e "$WORK/state/pending.json" ] || fail "pending.json left after reconciling"
# reconciled once: a second restart adds nothing
stop_tdxd
start_tdxd
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
CHECKS=$((CHECKS + 1))
[ "$(grep -o '"unknown"' "$OUT" | wc -l)" = 1 ] || fail "the interrupted attempt is recorded more than once: $(cat "$OUT")"
bus_finish
