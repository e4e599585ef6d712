#!/bin/bash
# History survives restarts, a corrupt file is moved aside without stopping
# the daemon, `tdxctl history` reads it through tdxd or directly, and the
# installed TCB is remembered across a restart.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
export TDXD_CONFIG="$WORK/tdxd.conf"
standard_setup

start_fake_kernel success 1.5.08
job=$(start_update 1.5.08)
CHECKS=$((CHECKS + 1))
[ "$(wait_job "$job")" = success ] || fail "update: $(job_prop "$job" Error)"
expect_grep "$WORK/state/history.json" '"result": ?"success"'

run history
expect_rc 0 "tdxctl history"
expect_grep "$OUT" '^TIME +FROM +TO +RESULT +SLOTS +ERROR$'
expect_grep "$OUT" '1.5.06 +1.5.08 +success +10 -> 9'
run history --json
expect_rc 0 "tdxctl history --json"
expect_json '.records[0].to' 1.5.08
expect_json '.records[0].remaining_after' 9
cp "$OUT" "$WORK/bus.json"

# The daemon restarted mid-way: history and the installed TCB come back.
stop_tdxd
run --direct history --json
expect_rc 0 "tdxctl --direct history"
CHECKS=$((CHECKS + 1))
cmp -s "$OUT" "$WORK/bus.json" || fail "direct and bus history differ: $(diff "$OUT" "$WORK/bus.json")"
run history --json
expect_rc 0 "tdxctl history without a daemon"
expect_json '.records | length' 1
start_tdxd
expect_prop TcbSource '"installed"'
expect_prop ModuleVersion '"1.5.08"'
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '^a\(stssssiiss\) 1 '

# A corrupt file: moved aside, reported, daemon serves an empty history.
stop_tdxd
echo '{"version":1,"records":[{"garbage' >"$WORK/state/history.json"
start_tdxd
CHECKS=$((CHECKS + 1))
ls "$WORK/state/"history.json.corrupt-* >/dev/null 2>&1 || fail "corrupt history not moved aside"
expect_grep "$WORK/tdxd.log" 'history.json is corrupt .*moved to .*history.json.corrupt-'
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '^a\(stssssiiss\) 0$'
expect_prop ModuleVersion '"1.5.08"'

# Bounded: HistoryMax keeps the newest records.
stop_tdxd
write_conf "[Daemon]" "StateDirectory=$WORK/state" "HistoryMax=2"
start_tdxd
for i in 1 2 3; do
	job=$(start_update 1.5.10 1 reinstall b false)
	wait_job "$job" >/dev/null
	set_sysfs "$WORK/sys" version=1.5.08
	"${BUSCTL[@]}" call "${DEST[@]}" Refresh
done
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '^a\(stssssiiss\) 2 '

# A state directory whose parents do not exist yet (a meson build with
# another prefix, a fresh host) is made with them (issue 14).
stop_tdxd
write_conf "[Daemon]" "StateDirectory=$WORK/var/lib/tdxd"
start_tdxd
CHECKS=$((CHECKS + 1))
[ -d "$WORK/var/lib/tdxd" ] || fail "tdxd did not create $WORK/var/lib/tdxd"
bus_finish
