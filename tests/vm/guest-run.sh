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
# TD builds and the guards that keep updates off them (issue 9).
. "$here/vmm-scenarios.sh"
SCENARIOS+=("${VMM_SCENARIOS[@]}")

[ $# -gt 0 ] || set -- "${SCENARIOS[@]}"
run_scenarios "$@"
sim_unload
