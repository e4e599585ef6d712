#!/bin/bash
# Update jobs end to end: dry run, success, refusal, fatal, busy, and the bus
# staying responsive while a job runs. fake-kernel plays the kernel.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
# 1.5.08 is a module of 256 pages (about 1 MB, a real module's size), so
# that the success case shows how many progress signals one upload costs.
BUS_STORE_SPECS="1.5.06 1.5.08,pages=256 1.5.10" standard_setup

# Dry run: pre-flight only, nothing written, no history.
job=$(start_update 1.5.08 1 dry_run b true)
CHECKS=$((CHECKS + 1))
[[ $job == /org/tdxctl/tdx1/job/* ]] || fail "Update returned '$job': $(cat "$ERR")"
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = dry-run-passed ] || fail "dry run result $res: $(job_prop "$job" Error)"
expect_empty "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data" "data after a dry run"
CHECKS=$((CHECKS + 1))
[ "$(job_prop "$job" DryRun)" = true ] || fail "DryRun property"
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '^a\(stssssiiss\) 0$'

# tdxctl follows its job on the job's Finished signal, which carries the
# update document: no call to the job object (GetAll, GetResult) at all.
dbus-monitor --system "type='method_call',path_namespace='/org/tdxctl/tdx1/job'" \
	"type='signal',interface='org.tdxctl.tdx1.Job',member='Finished'" >"$WORK/follow.log" 2>&1 &
PIDS+=($!)
inotifywait -m -e open "$WORK/store" "$WORK/store/joined_files" >"$WORK/opens.log" 2>&1 &
PIDS+=($!)
wait_for 30 grep -q 'Watches established' "$WORK/opens.log"
sleep 0.3
run --json update --dry-run 1.5.08
expect_rc 0 "update --dry-run through tdxd"
# The job looked its target up by name (tdx_store_lookup): no store walk (a
# dry run has no refresh after it either), only the mapping file was opened.
expect_grep "$WORK/opens.log" 'OPEN mapping_file\.json' "inotify's report (the job reads the mapping)"
expect_no_grep "$WORK/opens.log" 'OPEN,ISDIR' "a job to a named version (directories opened)"
kill "${PIDS[-1]}"
unset 'PIDS[-1]'
expect_grep "$OUT" '"result":"checked"' "the dry run's document"
wait_for 30 grep -q 'member=Finished' "$WORK/follow.log"
expect_grep "$WORK/follow.log" 'member=Finished' "the job's Finished signal"
CHECKS=$((CHECKS + 1))
! grep -q '^method call.*path=/org/tdxctl/tdx1/job' "$WORK/follow.log" ||
	fail "tdxctl called its job: $(grep '^method call' "$WORK/follow.log" | head -3)"
kill "${PIDS[-1]}"

# Success: the fake kernel installs 1.5.08.
start_fake_kernel success 1.5.08
dbus-monitor --system "type='signal',interface='org.tdxctl.tdx1.Manager'" >"$WORK/signals.log" 2>&1 &
PIDS+=($!)
dbus-monitor --system "type='signal',member='PropertiesChanged',path_namespace='/org/tdxctl/tdx1/job'" \
	>"$WORK/job-signals.log" 2>&1 &
PIDS+=($!)
sleep 0.3
job=$(start_update 1.5.08)
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = success ] || fail "update result '$res': $(job_prop "$job" Error) $(cat "$WORK/tdxd.log")"
CHECKS=$((CHECKS + 1))
[ "$(job_prop "$job" From) $(job_prop "$job" To) $(job_prop "$job" Progress)" = "1.5.06 1.5.08 100" ] ||
	fail "job From/To/Progress: $(job_prop "$job" From) $(job_prop "$job" To) $(job_prop "$job" Progress)"
expect_prop ModuleVersion '"1.5.08"'
expect_prop RemainingUpdates 9
expect_prop TcbSource '"installed"'
expect_prop TcbVersion '"1.5.08"'
expect_prop LastResult '"success"'
expect_prop UpdateState '"idle"'
expect_prop BestUpdate '"1.5.10"'
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data.received" \
	"$WORK/store/joined_files/1.5/tdx_module_1.5.08.blob" || fail "bytes written differ from the image"
wait_for 30 grep -q UpdateFinished "$WORK/signals.log"
expect_grep "$WORK/signals.log" 'member=UpdateFinished' UpdateFinished
# Progress is published when its percent or phase changes, not per page
# written: at most ~70 writing steps plus the phases, for 256 pages.
n_props=$(grep -c 'member=PropertiesChanged' "$WORK/job-signals.log")
CHECKS=$((CHECKS + 1))
[ "$n_props" -ge 3 ] && [ "$n_props" -le 90 ] ||
	fail "the job's PropertiesChanged signals for a 256-page upload: $n_props (expected 3-90)"
kill "${PIDS[-1]}"
unset 'PIDS[-1]'
expect_grep "$WORK/tdxd.log" 'MESSAGE_ID=5c1f0e7a9b2d4e0c8a61f3d2b7e49a11' "journal: succeeded"
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '^a\(stssssiiss\) 1 "[0-9a-f]{32}" [0-9]+ "1.5.06" "1.5.08" "[0-9a-f]{64}" "1.5.02" 10 9 "success" ""$'
kill "${PIDS[-2]}"

# Refusal: the kernel says firmware-invalid, the module keeps running.
start_fake_kernel refuse
job=$(start_update "")
expect_job "$job" refused refusal
CHECKS=$((CHECKS + 1))
[[ "$(job_prop "$job" Error)" == *firmware-invalid* ]] || fail "refusal error: $(job_prop "$job" Error)"
expect_prop ModuleVersion '"1.5.08"'
expect_prop LastResult '"refused"'
expect_grep "$WORK/tdxd.log" 'MESSAGE_ID=5c1f0e7a9b2d4e0c8a61f3d2b7e49a12' "journal: refused"
kill "${PIDS[-1]}"

# Busy: a pre-update hook that waits for a file keeps a job running; the bus
# still answers. Proven without a clock: the calls below are answered while
# the job is still running (the hook is released only after them).
printf '#!/bin/sh\nfor i in $(seq 300); do [ -e "%s" ] && exit 0; sleep 0.1; done\nexit 1\n' \
	"$WORK/release-hook" >"$WORK/hooks/pre-update.d/10-slow"
chmod 755 "$WORK/hooks/pre-update.d/10-slow"
job=$(start_update "" 1 dry_run b true)
sleep 0.3
expect_prop UpdateState '"running"'
call Update "sa{sv}" "" 0
expect_rc 1 "second Update while a job runs"
expect_grep "$ERR" 'job [0-9]+ is running'
call Refresh
expect_rc 1 "Refresh while a job runs"
"${BUSCTL[@]}" get-property "${DEST[@]}" ModuleVersion >/dev/null
expect_prop UpdateState '"running"'
touch "$WORK/release-hook"
wait_job "$job" >/dev/null
rm "$WORK/hooks/pre-update.d/10-slow"

# Fatal: the module is lost; reported loudly, state lost, never retried.
start_fake_kernel fatal
job=$(start_update "")
expect_job "$job" fatal
expect_prop ModuleState '"lost"'
expect_prop LastResult '"fatal"'
expect_grep "$WORK/tdxd.log" 'MESSAGE_ID=5c1f0e7a9b2d4e0c8a61f3d2b7e49a14' "journal: fatal"
call Update "sa{sv}" "" 0
expect_rc 1 "Update after a fatal outcome"
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '^a\(stssssiiss\) 3 '
expect_grep "$OUT" '"fatal"'

# Finished jobs stay readable; the job objects are enumerable.
"${BUSCTL[@]}" tree org.tdxctl.tdx1 >"$OUT" 2>&1
expect_grep "$OUT" '/org/tdxctl/tdx1/job/1'
bus_finish
