#!/bin/bash
# meson's entry point for one VM scenario: vm-test.sh BUILD_DIR SCENARIO.
# All scenarios of one `meson test` run share a single boot: the first test
# to run boots the guest and runs them all (results keyed by the meson
# process, our parent); the others only read their result. Running one test
# alone still boots once.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VM_BUILD=$1 name=$2
key="run-$PPID"
res="$VM_BUILD/vm/results/$key"
mkdir -p "$VM_BUILD/vm/results"
exec 9>"$VM_BUILD/vm/results/lock"
flock 9
if [ ! -f "$res/.done" ]; then
	# Results of earlier meson runs are stale now.
	find "$VM_BUILD/vm/results" -mindepth 1 -maxdepth 1 -type d -name 'run-*' -exec rm -rf {} +
	"$here/run.sh" -B "$VM_BUILD" -o "$res" >"$VM_BUILD/vm/results/$key.summary" 2>&1
	touch "$res/.done"
	cat "$VM_BUILD/vm/results/$key.summary"
fi
flock -u 9
echo "--- scenario log ($res/$name.log)"
cat "$res/$name.log" 2>/dev/null || { echo "no log; console:"; tail -n 40 "$res/console.log"; }
result=$(cat "$res/$name.result" 2>/dev/null || echo "FAIL no result")
echo "--- $name: $result"
[[ $result == PASS* ]]
