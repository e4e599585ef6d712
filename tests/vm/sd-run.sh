#!/bin/bash
# The `systemd` suite's runner: the guest boots systemd as PID 1 on the same
# overlay root as the vm suite, with tdxctl installed into it the way an
# operator installs it, and runs the scenarios of sd-scenarios.sh as a unit.
#   tests/vm/sd-run.sh [-B BUILD_DIR] [-o RESULTS_DIR] [SCENARIO...]
# Boot 1 runs every scenario but the second half of sd-reapply; boot 2 (only
# when sd-reapply is asked for) starts from the state directory boot 1 left
# on a writable share. Prints one line per scenario; exit 0 when all passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/vm-lib.sh"
vm_runner_args results-systemd-manual "$@"
shift "$VM_ARGS_USED"
res=$VM_RESULTS
. "$here/sd-package.sh"
. "$here/sd-scenarios.sh"
[ $# -gt 0 ] || set -- "${SD_SCENARIOS[@]}"

vm_build_binaries
vm_prepare
"$here/mkcatalog.sh" "$VM_BUILD" "$VM_BUILD/vm/catalog"
sd_package_build
case " $* " in *" sd-libvirt "*) sd_libvirt_fetch ;; esac
rm -rf "$res"
mkdir -p "$res/state"

# sd_boot N SCENARIO...: one systemd boot; console-bootN.log, guest-bootN.log.
sd_boot() {
	local n=$1 t0 ms
	shift
	t0=$(date +%s%N)
	VM_APPEND="tdxvm.systemd=tdx-test.target tdxvm.state=/var/lib/tdxd" \
		VM_STATE_DIR="$res/state" VM_SERIAL="file:$res/console-boot$n.log" \
		vm_boot "$res" "$(printf '%q ' bash "$here/sd-prepare.sh" "$SD_PACKAGE" "$n" "$@")" ||
		true
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "systemd: boot $n: ${ms} ms wall"
	[ -f "$res/prepare.log" ] && mv "$res/prepare.log" "$res/prepare-boot$n.log"
	return 0
}

boot1=() boot2=()
for n in "$@"; do
	if [ "$n" = sd-reapply ]; then
		boot1+=(sd-reapply-first-boot)
		boot2+=(sd-reapply)
	else
		boot1+=("$n")
	fi
done
# The journal scenario counts every update of the boot: it runs last.
mapfile -t boot1 < <(printf '%s\n' "${boot1[@]}" | grep -vx sd-journal
	printf '%s\n' "${boot1[@]}" | grep -x sd-journal)
sd_boot 1 "${boot1[@]}"
case " $* " in *" sd-libvirt "*) sd_libvirt_keep_caps "$res" ;; esac
[ ${#boot2[@]} -eq 0 ] || sd_boot 2 "${boot2[@]}"

pass=0 failn=0
for n in "$@"; do
	if grep -qs '^PASS' "$res/$n.result"; then
		pass=$((pass + 1))
	else
		failn=$((failn + 1))
	fi
	printf '%-20s %s\n' "$n" "$(cat "$res/$n.result" 2>/dev/null || echo 'NO RESULT (see console-boot*.log)')"
done
echo "systemd: $pass passed, $failn failed (results in $res)"
[ $failn -eq 0 ]
