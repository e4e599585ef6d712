#!/bin/bash
# Runs VM scenarios in one TCG boot and prints a per-scenario summary.
#   tests/vm/run.sh [-B BUILD_DIR] [-o RESULTS_DIR] [SCENARIO...]
# Default build dir: build-vm (configured and compiled if needed); default:
# every scenario of tests/vm/scenarios.sh. Exit status 0 when all passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/vm-lib.sh"
vm_runner_args results-manual "$@"
shift "$VM_ARGS_USED"
res=$VM_RESULTS

vm_build_binaries
vm_prepare
"$here/mkcatalog.sh" "$VM_BUILD" "$VM_BUILD/vm/catalog"
rm -rf "$res"
mkdir -p "$res"
t0=$(date +%s%N)
vm_boot "$res" "bash $(printf '%q ' "$here/guest-run.sh" "$@")" || true
secs=$(( ($(date +%s%N) - t0) / 1000000 ))
. "$here/scenarios.sh"
. "$here/../bus/vm-scenarios.sh"
. "$here/vmm-scenarios.sh"
SCENARIOS+=("${BUS_SCENARIOS[@]}" "${VMM_SCENARIOS[@]}")
[ $# -gt 0 ] || set -- "${SCENARIOS[@]}"
pass=0 failn=0
for n in "$@"; do
	if [ -f "$res/$n.result" ] && grep -q '^PASS' "$res/$n.result"; then
		pass=$((pass + 1))
	else
		failn=$((failn + 1))
	fi
	printf '%-28s %s\n' "$n" "$(cat "$res/$n.result" 2>/dev/null || echo 'NO RESULT (see console.log)')"
done
echo "vm: $pass passed, $failn failed, one boot, ${secs} ms wall (results in $res)"
[ $failn -eq 0 ]
