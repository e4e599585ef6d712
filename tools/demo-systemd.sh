#!/bin/bash
# tools/demo.sh --systemd: the operator's view on a real init. Boots the same
# TCG guest as the demo, but with systemd as PID 1 and tdxctl installed as a
# package (the systemd test suite's set-up, tests/vm/sd-*.sh), then shows
# systemctl status tdxd, tdxctl update, busctl and journalctl.
#   tools/demo-systemd.sh [--no-deps]     (the guest part: --guest)
set -euo pipefail

# ---- in the guest: a oneshot unit under systemd, output on the console ----
if [ "${1:-}" = --guest ]; then
	exec >/dev/console 2>&1 </dev/null
	export TERM=linux SYSTEMD_PAGER= SYSTEMD_COLORS=0
	stty -F /dev/console cols 110 rows 40 2>/dev/null || true
	show() {
		printf '\n\033[1mroot@tdx-host:~# %s\033[0m\n' "$*"
		eval "$*"
		echo "[exit $?]"
	}
	insmod "$VM_KO" module_version=1.5.01 install_ms=400 \
		trusted_keys="$(cat "$VM_BUILD/vm/test-key-sha256")"
	echo
	echo "Guest: systemd $(systemctl --version | sed -n '1s/systemd \([0-9]*\).*/\1/p') as PID 1," \
		"tdx_host_sim at 1.5.01, tdxctl installed from the package, store in /usr/lib/firmware/intel/tdx"
	show systemctl enable --now tdxd.service
	show systemctl status --no-pager --lines=4 tdxd.service
	show tdxctl update --yes
	show busctl get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager \
		ModuleVersion TcbVersion SeamSvn RemainingUpdates LastResult
	show journalctl -b --no-pager -o short-monotonic -u tdxd.service \
		MESSAGE_ID=5c1f0e7a9b2d4e0c8a61f3d2b7e49a10 + MESSAGE_ID=5c1f0e7a9b2d4e0c8a61f3d2b7e49a11
	show tdxctl history
	exit 0
fi

# ---- on this machine ----
top=$(cd "$(dirname "$0")/.." && pwd)
t0=$(date +%s%N)
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it installs packages and boots a VM)" >&2; exit 1; }
[ "${1:-}" = --no-deps ] || "$top/tools/install-deps.sh"
VM_BUILD="$top/build-demo"
. "$top/tests/vm/vm-lib.sh"
. "$top/tests/vm/sd-package.sh"
echo "demo: building tdxctl ($VM_BUILD), its package and the simulator..." >&2
vm_build_binaries
vm_prepare
"$top/tests/vm/mkcatalog.sh" "$VM_BUILD" "$VM_BUILD/vm/catalog"
sd_package_build
res="$VM_BUILD/vm/demo-systemd"
rm -rf "$res"
mkdir -p "$res/state"
echo "demo: booting Linux $VM_KREL with systemd as PID 1 (TCG; about 2 minutes)..." >&2
VM_APPEND="tdxvm.systemd=tdx-test.target tdxvm.state=/var/lib/tdxd" VM_STATE_DIR="$res/state" \
	VM_SERIAL=stdio vm_boot "$res" \
	"$(printf '%q ' bash "$top/tests/vm/sd-prepare.sh" "$SD_PACKAGE" 1 --demo)" |
	sed -u 's/\r$//' | tee "$res/console.txt" || true
# Every step printed "[exit 0]"; anything else is a failed demo.
steps=$(grep -c '^\[exit 0\]$' "$res/console.txt" || true)
if [ "$steps" != 6 ]; then
	echo "demo: failed: $steps of 6 steps succeeded (console: $res/console.txt)" >&2
	exit 1
fi
secs=$((($(date +%s%N) - t0) / 1000000))
printf '\ndemo: done in %d.%03d s (build, package, systemd boot, the commands, power off)\n' \
	$((secs / 1000)) $((secs % 1000)) >&2
