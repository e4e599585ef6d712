#!/bin/bash
# Inhibitors: held while the fd is open (tdxctl inhibit -- CMD), updates are
# vetoed meanwhile, released when the holder exits; Mode=wait waits instead.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup

"$TDXCTL" inhibit --who=libvirt --why="migrating TD 7" -- sleep 6 &
holder=$!
PIDS+=($holder)
wait_for 30 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Inhibitors | grep -q libvirt"
CHECKS=$((CHECKS + 1))
[[ "$(prop Inhibitors)" == *'"libvirt" "migrating TD 7"'* ]] || fail "Inhibitors: $(prop Inhibitors)"

job=$(start_update "")
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = vetoed ] || fail "update under an inhibitor: '$res'"
CHECKS=$((CHECKS + 1))
[[ "$(job_prop "$job" Error)" == *"1 inhibitor held"* ]] || fail "veto error: $(job_prop "$job" Error)"
expect_empty "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data" "data under an inhibitor"
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '"vetoed" "[^"]*1 inhibitor held'

# tdxd holds the inhibit file meanwhile: `tdxctl --direct update` refuses too.
direct_update_refused() { # WHAT [UPDATE-ARGS...]
	local what=$1
	shift
	TDXCTL_STORE=$WORK/store "$TDXCTL" --direct update --yes "$@" >"$WORK/direct.out" \
		2>"$WORK/direct.err" </dev/null
	RC=$?
	expect_rc 1 "$what"
	expect_grep "$WORK/direct.err" "veto: an inhibitor is held"
	expect_empty "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data" "data: $what"
}
direct_update_refused "--direct update under a tdxd inhibitor"

# The exit status of the command is tdxctl's.
wait "$holder"
RC=$?
expect_rc 0 "tdxctl inhibit -- sleep"
wait_for 30 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Inhibitors | grep -qx 'a(ssuu) 0'"
expect_prop Inhibitors 0
run inhibit --who=x -- sh -c 'exit 7'
expect_rc 7 "exit status passed through"
run inhibit -- true
expect_rc 2 "--who missing"

# A holder killed with SIGKILL releases it too (the kernel closes the fd).
"$TDXCTL" inhibit --who=crashy -- sleep 30 &
holder=$!
wait_for 30 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Inhibitors | grep -q crashy"
child=$(cat "/proc/$holder/task/$holder/children")
kill -9 "$holder"
wait "$holder" 2>/dev/null
kill $child 2>/dev/null
wait_for 30 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Inhibitors | grep -qx 'a(ssuu) 0'"
expect_prop Inhibitors 0

# Mode=wait: the update waits for the inhibitor to go, then runs.
stop_tdxd
write_conf "[Inhibit]" "Mode=wait" "WaitTimeoutSec=20"
start_tdxd
start_fake_kernel success 1.5.10
# held until the test saw the job wait (a fixed sleep let a loaded host see it finished)
touch "$WORK/building"
"$TDXCTL" inhibit --who=builder -- sh -c "while [ -e '$WORK/building' ]; do sleep 0.1; done" &
PIDS+=($!)
wait_for 30 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Inhibitors | grep -q builder"
job=$(start_update "")
sleep 0.5
CHECKS=$((CHECKS + 1))
[ "$(job_prop "$job" State)" = running ] || fail "job did not wait: $(job_prop "$job" State)"
rm "$WORK/building"
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = success ] || fail "update after waiting: '$res' $(job_prop "$job" Error)"
expect_prop ModuleVersion '"1.5.10"'

# Without a daemon, inhibit holds the inhibit file itself (shared: two at once).
stop_tdxd
"$TDXCTL" inhibit --who=x -- sleep 4 &
PIDS+=($!)
"$TDXCTL" inhibit --who=y -- sleep 4 &
PIDS+=($!)
sleep 0.5
CHECKS=$((CHECKS + 1))
flock -n "$WORK/inhibit.lock" true && fail "the inhibit file is not held by inhibit without tdxd"
# 1.5.10 runs by now: re-installing it is the update that would otherwise go ahead
direct_update_refused "--direct update under a local inhibitor" --reinstall
bus_finish
