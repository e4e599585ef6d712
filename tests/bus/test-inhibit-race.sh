#!/bin/bash
# No inhibitor is granted while an update may still write to the kernel or
# has not classified its hop (issue 7, defect 1): the fake kernel is paused
# mid-upload (SIGSTOP: the one-page FIFO fills and the engine waits in its
# write loop), and Inhibit() through tdxd, for tdxd's own job and for a
# `tdxctl --direct update`, is refused at once with an error naming the hop.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup
DATA=$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data

# inhibit_refused WHAT HOP: tdxctl inhibit and a raw Inhibit() are refused.
inhibit_refused() {
	run inhibit --who=vmm --why="build TD 3" -- touch "$WORK/ran"
	expect_rc 1 "$1: tdxctl inhibit"
	expect_grep "$ERR" "an update is writing the TDX module \\($2, hop 1 of 1, pid [0-9]+\\)"
	CHECKS=$((CHECKS + 1))
	[ ! -e "$WORK/ran" ] || fail "$1: the command ran"
	call Inhibit ss vmm "build TD 3"
	CHECKS=$((CHECKS + 1))
	[ "$RC" != 0 ] || fail "$1: Inhibit() granted"
	expect_grep "$ERR" "an update is writing the TDX module \\($2"
	expect_prop Inhibitors 0
}

# tdxd's own job, paused in phase "writing".
start_fake_kernel success 1.5.08
fk=${PIDS[-1]}
kill -STOP "$fk"
job=$(start_update 1.5.08)
wait_for 100 sh -c "busctl --system get-property org.tdxctl.tdx1 $job org.tdxctl.tdx1.Job Phase | grep -q writing"
CHECKS=$((CHECKS + 1))
[ "$(job_prop "$job" Phase)" = writing ] || fail "job not writing: $(job_prop "$job" Phase)"
inhibit_refused "tdxd job writing" "1.5.06 -> 1.5.08"
kill -CONT "$fk"
expect_job "$job" success "paused job"
run inhibit --who=vmm -- true
expect_rc 0 "inhibit once the job is classified"

# A `tdxctl --direct update` in flight while tdxd runs. tdxd drops the
# inhibitor just taken when it sees the hangup: wait for that first.
wait_for 100 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Inhibitors | grep -qx 'a(ssuu) 0'"
kill "$fk"
wait "$fk" 2>/dev/null
start_fake_kernel success 1.5.10
fk=${PIDS[-1]}
kill -STOP "$fk"
TDXCTL_STORE=$WORK/store "$TDXCTL" --direct update --yes 1.5.10 >"$WORK/direct.out" \
	2>"$WORK/direct.err" </dev/null &
direct=$!
PIDS+=("$direct")
# the update blocks inhibitors (exclusive lock) from its last check on and
# writes its hop into the file; probing with flock would be an inhibitor
wait_for 100 test -s "$WORK/inhibit.lock"
inhibit_refused "--direct update writing" "1.5.08 -> 1.5.10"
kill -CONT "$fk"
wait "$direct"
RC=$?
ERR=$WORK/direct.err expect_rc 0 "--direct update after the refusals"
run inhibit --who=vmm -- true
expect_rc 0 "inhibit once the --direct update is classified"
CHECKS=$((CHECKS + 1))
[ -s "$DATA.received" ] || fail "the fake kernel received nothing"
bus_finish
