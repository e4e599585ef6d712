#!/bin/bash
# VM benchmark: what a runtime update costs beyond the install itself, on the
# real fw_upload code of Debian's 6.12 kernel in a TCG guest (2 CPUs), with
# tdx_host_sim's install time set to a known value. Everything below comes
# from one boot, runs alternating between the commands compared:
#  - floors: /bin/true, tdxctl --version, python3 -c pass;
#  - tdxctl --direct update 1.5.20 --yes, and the same through tdxd (a
#    private dbus-daemon in the guest): wall time, overhead = wall minus the
#    install time, overhead as a multiple of the /bin/true floor;
#  - detection delay of the tdxctl binary: from the kernel finishing
#    (tdx_host_sim's completed_ns, CLOCK_MONOTONIC) to tdxctl's exit as
#    wait4 sees it (an upper bound: it includes verification, output, exit);
#    and of the library engine alone (bench-vm-notice);
#  - tdxctl status through tdxd and --direct.
# Every run is timed by bench-exec (fork/exec/wait4, no shell and no clock
# process inside the window). The guest reads its root, tdxctl and its
# libraries included, over 9p (virtio), read-only under a tmpfs overlay: exec
# and library loading cost more than on a disk.
# With BENCH_BASELINE=DIR (the build dir of an older checkout, e.g. main
# before a change) its tdxctl and tdxd run the same way in the same boot: the
# "before" column. Prints median, min, max, p90. Never fails on time.
#   BENCH_RUNS (default 15), BENCH_INSTALL_MS (default 200), BENCH_BUILD (meson
#   build dir), BENCH_BASELINE (optional build dir)
# Run: meson compile -C build bench-vm-update
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
VM_BUILD=${BENCH_BUILD:-$top/build-vm}
runs=${BENCH_RUNS:-15}
ims=${BENCH_INSTALL_MS:-200}
. "$top/tests/vm/vm-lib.sh"
vm_build_binaries
vm_prepare
"$top/tests/vm/mkcatalog.sh" "$VM_BUILD" "$VM_BUILD/vm/catalog"
res="$VM_BUILD/vm/bench"
rm -rf "$res"

# The guest sees the checkout and the build dir: the baseline's binaries go there.
builds="after=$VM_BUILD"
if [ -n "${BENCH_BASELINE:-}" ]; then
	base="$VM_BUILD/vm/baseline"
	rm -rf "$base"
	mkdir -p "$base/src/tdxctl" "$base/src/tdxd"
	cp "$BENCH_BASELINE/src/tdxctl/tdxctl" "$base/src/tdxctl/"
	cp "$BENCH_BASELINE/src/tdxd/tdxd" "$base/src/tdxd/"
	builds="before=$base $builds"
fi

guest=$(printf 'runs=%q ims=%q builds=%q\n' "$runs" "$ims" "$builds")
guest+=$(cat <<'GUEST'

set -u
cat=$VM_BUILD/vm/catalog
X=$VM_BUILD/bench/bench-exec
SIM=/sys/kernel/debug/tdx_host_sim
key=$(cat "$VM_BUILD/vm/test-key-sha256")
export TDXCTL_TRUSTED_SIGNING_KEYS=$key TDXCTL_LOCK_PATH=/run/tdx-bench.lock
insmod "$VM_KO" module_version=1.5.06 install_ms=$ims trusted_keys=$key
python3=$(command -v python3)

# timed LABEL CMD...: one bench-exec line, labelled, into /results/times.txt.
# status tells the state by its exit code (0, or 10-12 with an update pending).
timed() {
	local label=$1 line
	shift
	line=$("$X" "$@") || { echo "bench-exec failed: $*"; exit 1; }
	case $label:$line in
	*" exit 0" | *_status:*" exit 1"[012]) ;;
	*) echo "$label: $* failed: $line"; "$@"; exit 1 ;;
	esac
	echo "$label $line" >>/results/times.txt
}
# detection LABEL: kernel done -> the last timed process exited
detection() {
	local end done
	end=$(tail -n 1 /results/times.txt | sed -n 's/.* end_ns \([0-9]*\) .*/\1/p')
	done=$(cat "$SIM/completed_ns")
	echo "$1 delay_us $(((end - done) / 1000))" >>/results/delays.txt
}
fresh() { echo 1 >"$SIM/reset"; }

bus_up() { # BUILD
	local d=/run/tdx-bench-bus
	rm -rf "$d"
	mkdir -p "$d/hooks" "$d/state"
	cat >"$d/bus.conf" <<EOC
<busconfig>
  <type>system</type>
  <listen>unix:path=$d/socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_type="method_call"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow send_type="signal"/><allow receive_type="method_call"/>
    <allow receive_type="method_return"/><allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
</busconfig>
EOC
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$d/socket"
	dbus-daemon --config-file="$d/bus.conf" --nofork --nopidfile &
	BUS_PID=$!
	printf '[Store]\nPath=%s\n[Hooks]\nDirectory=%s\n[Update]\nTrustedSigningKeys=%s\n' \
		"$cat" "$d/hooks" "$key" >"$d/tdxd.conf"
	printf '[Daemon]\nStateDirectory=%s\n' "$d/state" >>"$d/tdxd.conf"
	for _ in $(seq 1 50); do [ -S "$d/socket" ] && break; sleep 0.1; done
	"$1/src/tdxd/tdxd" --config="$d/tdxd.conf" >>/results/tdxd.log 2>&1 &
	TDXD_PID=$!
	for _ in $(seq 1 100); do
		busctl --system call org.tdxctl.tdx1 /org/tdxctl/tdx1 org.freedesktop.DBus.Peer Ping \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "tdxd did not start"; cat /results/tdxd.log; exit 1
}
bus_down() {
	kill "$TDXD_PID" "$BUS_PID"
	wait "$TDXD_PID" "$BUS_PID" 2>/dev/null || true
	unset DBUS_SYSTEM_BUS_ADDRESS
}
refresh() {
	busctl --system call org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Refresh
}

# Warm the page cache of everything timed below.
for b in $builds; do
	"${b#*=}/src/tdxctl/tdxctl" --direct --store "$cat" update 1.5.20 --yes >/dev/null
	fresh
done
"$python3" -c pass

# Floors and --direct, alternating.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/no-bus
for i in $(seq 1 "$runs"); do
	timed floor_true /bin/true
	timed floor_python "$python3" -c pass
	for b in $builds; do
		name=${b%%=*} t=${b#*=}/src/tdxctl/tdxctl
		timed "${name}_version" "$t" --version
		timed "${name}_direct_status" "$t" --direct status
		fresh
		timed "${name}_direct_update" "$t" --direct --store "$cat" update 1.5.20 --yes
		detection "${name}_direct_update"
	done
done
unset DBUS_SYSTEM_BUS_ADDRESS
# Through tdxd: one daemon per build, so in blocks.
for b in $builds; do
	name=${b%%=*} dir=${b#*=}
	bus_up "$dir"
	for i in $(seq 1 "$runs"); do
		timed floor_true_bus /bin/true
		timed "${name}_bus_status" "$dir/src/tdxctl/tdxctl" status
		fresh
		refresh
		timed "${name}_bus_update" "$dir/src/tdxctl/tdxctl" update 1.5.20 --yes
		detection "${name}_bus_update"
	done
	bus_down
done
fresh
"$VM_BUILD/bench/bench-vm-notice" "$cat/joined_files/1.5/tdx_module_1.5.20.blob" "$runs" \
	>/results/notice.txt
GUEST
)
echo "bench-vm-update: $runs runs, install_ms=$ims, guest Linux $VM_KREL (TCG, 2 CPUs)," \
	"root over 9p" >&2
vm_boot "$res" "$guest" || true
[ -s "$res/notice.txt" ] || { cat "$res/guest.log" >&2; echo "bench-vm-update: guest run failed" >&2; exit 1; }

python3 "$top/bench/bench-vm-report.py" "$res" "$ims"
