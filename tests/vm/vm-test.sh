#!/bin/bash
# meson's entry point for one VM scenario: vm-test.sh BUILD_DIR SCENARIO [RUNNER].
# RUNNER is run.sh (the vm suite, busybox init; the default) or sd-run.sh (the
# systemd suite). All scenarios of one runner in one `meson test` run share
# its boot(s): the first test to run boots the guest and runs them all
# (results keyed by the meson process, our parent); the others only read
# their result. Running one test alone still boots.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VM_BUILD=$1 name=$2 runner=${3:-run.sh}
key="run-$PPID"
top="$VM_BUILD/vm/results-${runner%.sh}"
res="$top/$key"
mkdir -p "$top"
exec 9>"$top/lock"
flock 9
if [ -f "$top/$key.started" ] && [ ! -f "$res/.done" ]; then
	# The test that booted was killed (its timeout): one boot per run, so
	# the others fail at once instead of each booting for as long again.
	echo "--- $name: FAIL the shared boot of this run was cut off (see the first vm test)"
	exit 1
fi
if [ ! -f "$res/.done" ]; then
	# Results of earlier meson runs are stale now.
	find "$top" -mindepth 1 -maxdepth 1 \( -name 'run-*' -o -name '*.started' \) -exec rm -rf {} +
	touch "$top/$key.started"
	"$here/$runner" -B "$VM_BUILD" -o "$res" >"$top/$key.summary" 2>&1
	touch "$res/.done"
	cat "$top/$key.summary"
fi
flock -u 9
echo "--- scenario log ($res/$name.log)"
cat "$res/$name.log" 2>/dev/null || { echo "no log; console:"; tail -n 40 "$res"/console*.log; }
result=$(cat "$res/$name.result" 2>/dev/null || echo "FAIL no result")
echo "--- $name: $result"
[[ $result == PASS* ]]
