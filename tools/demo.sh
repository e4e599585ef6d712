#!/bin/bash
# tdxctl in 60 seconds, without TDX hardware: installs what is missing, builds
# tdxctl and the tdx_host_sim kernel module, boots Debian's 6.12 kernel in
# QEMU (TCG) with the host at TDX module 1.5.01, and shows what an operator
# sees: status, the catalog with every verdict, an update (two hops, with
# progress), and status again. Needs root (packages, 9p share of /).
# Exits 0 only when every step worked; otherwise one line says which failed.
#   tools/demo.sh [--no-deps]
#   tools/demo.sh --systemd [--no-deps]   (the same on systemd: tools/demo-systemd.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" != --systemd ] || exec "$top/tools/demo-systemd.sh" "${@:2}"
t0=$(date +%s%N)
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it installs packages and boots a VM)" >&2; exit 1; }
if [ "${1:-}" != "--no-deps" ]; then
	"$top/tools/install-deps.sh"
fi

VM_BUILD="$top/build-demo"
# The guest needs tdxctl and tdx-mkmodule only: no tests, no man pages.
VM_MESON_ARGS=(-Dtests=false -Dman=disabled -Dvm_tests=false)
. "$top/tests/vm/vm-lib.sh"
echo "demo: building tdxctl ($VM_BUILD) and the simulator..." >&2
vm_build_binaries
vm_prepare
"$top/tests/vm/mkcatalog.sh" "$VM_BUILD" "$VM_BUILD/vm/catalog"
res="$VM_BUILD/vm/demo"
rm -rf "$res"
echo "demo: booting Linux $VM_KREL in QEMU (TCG, 2 CPUs, Sapphire Rapids CPUID)..." >&2

# Runs in the guest; its terminal is the serial console, shown here live.
guest=$(cat <<'GUEST'
exec >/dev/console 2>&1 </dev/null
dmesg -n 1
: >/results/steps
# The catalog is signed with this build's test key: the platform and tdxctl trust it.
key=$(cat "$VM_BUILD/vm/test-key-sha256")
insmod "$VM_KO" module_version=1.5.01 seamldr_version=1.5.00 num_remaining_updates=16 install_ms=400 \
	trusted_keys="$key"
export TDXCTL_TRUSTED_SIGNING_KEYS="$key"
export PATH="$VM_BUILD/src/tdxctl:$PATH"
export TDXCTL_STORE="$VM_BUILD/vm/catalog" TERM=linux
stty -F /dev/console cols 100 rows 40 2>/dev/null
# Each step's exit code goes to /results/steps for the host to check.
show() {
	local rc=0
	printf '\n\033[1mroot@tdx-host:~# %s\033[0m\n' "$*"
	eval "$*" || rc=$?
	echo "[exit $rc]"
	echo "$rc $*" >>/results/steps
}
echo
echo "Guest: Linux $(uname -r), CPUID.1.EAX $(sed -n 's/^cpu_signature //p' /sys/kernel/debug/tdx_host_sim/state)," \
	"tdx_host_sim at 1.5.01; module store $TDXCTL_STORE"
show tdxctl --direct status
show tdxctl --direct list
show tdxctl --direct update --yes
show tdxctl --direct status
GUEST
)
rc=0
VM_SERIAL=stdio vm_boot "$res" "$guest" || rc=$?
secs=$((($(date +%s%N) - t0) / 1000000))
# Four steps, each exit 0; anything else is one line and a non-zero exit.
failed=$(awk '$1 != 0 { rc = $1; sub(/^[0-9]+ /, ""); printf "\"%s\" exited %s", $0, rc; exit }' \
	"$res/steps" 2>/dev/null || true)
if [ "$rc" != 0 ]; then
	echo "demo: FAILED: the guest did not run to its end (qemu exit $rc)" >&2
	exit 1
elif [ "$(wc -l <"$res/steps" 2>/dev/null || echo 0)" != 4 ]; then
	echo "demo: FAILED: the guest ran $(wc -l <"$res/steps" 2>/dev/null || echo 0) of 4 steps" >&2
	exit 1
elif [ -n "$failed" ]; then
	echo "demo: FAILED: $failed" >&2
	exit 1
fi
printf '\ndemo: done in %d.%03d s (build, boot, four commands, power off)\n' $((secs / 1000)) $((secs % 1000)) >&2
