#!/bin/bash
# Runs in the guest: the scenarios named on the command line (default: all),
# each in a fresh simulator state, with a time limit. Writes
# /results/<name>.result (PASS or FAIL: reasons) and /results/<name>.log.
here=$(dirname "${BASH_SOURCE[0]}")
. "$here/guest-lib.sh"
. "$here/scenarios.sh"
# tdxd over D-Bus in the guest (the daemon's scenarios) run in the same boot.
. "$here/../bus/vm-scenarios.sh"
SCENARIOS+=("${BUS_SCENARIOS[@]}")

[ $# -gt 0 ] || set -- "${SCENARIOS[@]}"
for name in "$@"; do
	SCN_DIR=/tmp/scn/$name
	mkdir -p "$SCN_DIR"
	SCN_FAILS=()
	t0=$(date +%s%N)
	{
		echo "== $name"
		if declare -F "scn_$name" >/dev/null; then
			"scn_$name"
		else
			fail "no such scenario"
		fi
	} >"/results/$name.log" 2>&1
	ms=$((($(date +%s%N) - t0) / 1000000))
	online_cpu1 2>/dev/null
	if [ ${#SCN_FAILS[@]} -eq 0 ]; then
		echo "PASS ${ms}ms" >"/results/$name.result"
	else
		printf 'FAIL %sms: %s\n' "$ms" "$(IFS=';'; echo "${SCN_FAILS[*]}")" >"/results/$name.result"
	fi
	echo "$name: $(cat "/results/$name.result")"
done
sim_unload
