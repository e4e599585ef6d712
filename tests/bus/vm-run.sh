#!/bin/bash
# Runs the tdxd VM scenarios (vm-scenarios.sh) in one TCG boot with the VM
# suite's machinery (tests/vm/vm-lib.sh): tests/bus/vm-run.sh [-B BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vm=$here/../vm
VM_BUILD="$(cd "$here/../.." && pwd)/build-vm"
[ "${1:-}" = -B ] && VM_BUILD=$(realpath "$2")
. "$vm/vm-lib.sh"
res="$VM_BUILD/vm/results-bus"
vm_build_binaries
vm_prepare
"$vm/mkcatalog.sh" "$VM_BUILD" "$VM_BUILD/vm/catalog"
rm -rf "$res"
mkdir -p "$res"
cat >"$res/guest-bus.sh" <<EOG
. "$vm/guest-lib.sh"
. "$here/vm-scenarios.sh"
for name in "\${BUS_SCENARIOS[@]}"; do
	SCN_DIR=/tmp/scn/\$name; mkdir -p "\$SCN_DIR"; SCN_FAILS=()
	{ echo "== \$name"; "scn_\$name"; } >"/results/\$name.log" 2>&1
	if [ \${#SCN_FAILS[@]} -eq 0 ]; then echo PASS >"/results/\$name.result"
	else printf 'FAIL: %s\n' "\${SCN_FAILS[*]}" >"/results/\$name.result"; fi
done
sim_unload
EOG
vm_boot "$res" "bash $res/guest-bus.sh" || true
rc=0
for n in "${BUS_SCENARIOS[@]}"; do
	printf '%-12s %s\n' "$n" "$(cat "$res/$n.result" 2>/dev/null || echo 'NO RESULT')"
	grep -q '^PASS' "$res/$n.result" 2>/dev/null || rc=1
done
exit $rc
