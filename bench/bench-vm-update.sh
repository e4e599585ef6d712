#!/bin/bash
# VM benchmark: what a runtime update costs beyond the install itself, on the
# real fw_upload code of Debian's 6.12 kernel in a TCG guest (2 CPUs), with
# tdx_host_sim's install time set to a known value. Everything below comes
# from one boot, runs alternating between the commands compared:
#  - floors: /bin/true, tdxctl --version, python3 -c pass;
#  - tdxctl --direct update 1.5.20 --yes, and the same through tdxd (a
#    private dbus-daemon in the guest): wall time, overhead = wall minus the
#    install time, overhead as a multiple of the /bin/true floor. The install
#    time is taken two ways: as the kernel spent it in that very run
#    (tdx_host_sim's received_ns -> completed_ns: its write op's header and
#    signature checks, the sleep of install_ms, which msleep rounds up to
#    jiffies, and stop_machine), the overhead judged; and the nominal
#    install_ms, which charges the kernel's own extra time to tdxctl;
#  - detection delay of the tdxctl binary: from the kernel finishing
#    (tdx_host_sim's completed_ns, CLOCK_MONOTONIC) to tdxctl's exit as
#    wait4 sees it (an upper bound: it includes verification, output, exit);
#    and of the library engine alone (bench-vm-notice);
#  - tdxctl status through tdxd and --direct;
#  - /bin/true and --direct update again with address-space randomisation
#    off, to show how much of the cost is TCG translating code per exec.
# Every run is timed by bench-exec (fork/exec/wait4, no shell and no clock
# process inside the window). The guest reads its root, tdxctl and its
# libraries included, over 9p (virtio), read-only under a tmpfs overlay: exec
# and library loading cost more than on a disk.
# With BENCH_BASELINE=DIR (the build dir of an older checkout, e.g. main
# before a change) its tdxctl and tdxd run the same way in the same boot: the
# "before" column; BENCH_COMPARE="LABEL=DIR ..." adds more builds between it
# and "after" (this build). Prints median, min, max, p90. Never fails on time.
# Medians move between boots by more than between runs of one boot, so
# BENCH_BOOTS=N repeats the whole run in N boots: each boot is reported on its
# own, then the multiples of the floor side by side, boot by boot.
#   BENCH_RUNS (default 15), BENCH_BOOTS (default 1), BENCH_INSTALL_MS (default
#   200), BENCH_BUILD (meson build dir), BENCH_BASELINE, BENCH_COMPARE (optional
#   build dirs)
# Run: meson compile -C build bench-vm-update
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
VM_BUILD=${BENCH_BUILD:-$top/build-vm}
runs=${BENCH_RUNS:-15}
boots=${BENCH_BOOTS:-1}
ims=${BENCH_INSTALL_MS:-200}
. "$top/tests/vm/vm-lib.sh"
vm_build_binaries
vm_prepare
"$top/tests/vm/mkcatalog.sh" "$VM_BUILD" "$VM_BUILD/vm/catalog"
res="$VM_BUILD/vm/bench"
rm -rf "$res"

# The guest sees the checkout and the build dir: other builds' binaries go there.
builds=""
copy_build() { # LABEL BUILD_DIR: its tdxctl (with its bus module, if any) and tdxd
	local to="$VM_BUILD/vm/compare/$1"
	rm -rf "$to"
	mkdir -p "$to/src/tdxctl" "$to/src/tdxd"
	cp "$2/src/tdxctl/tdxctl" "$2/src/tdxd/tdxd" "$to/src/tdxctl/"
	mv "$to/src/tdxctl/tdxd" "$to/src/tdxd/"
	[ ! -f "$2/src/tdxctl/tdxctl-bus.so" ] || cp "$2/src/tdxctl/tdxctl-bus.so" "$to/src/tdxctl/"
	builds+="$1=$to "
}
[ -z "${BENCH_BASELINE:-}" ] || copy_build before "$BENCH_BASELINE"
for c in ${BENCH_COMPARE:-}; do
	copy_build "${c%%=*}" "${c#*=}"
done
builds+="after=$VM_BUILD"

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
timer=("$X")
timed() {
	local label=$1 line
	shift
	line=$("${timer[@]}" "$@") || { echo "bench-exec failed: $*"; exit 1; }
	case $label:$line in
	*" exit 0" | *_status:*" exit 1"[012]) ;;
	*) echo "$label: $* failed: $line"; "$@"; exit 1 ;;
	esac
	echo "$label $line" >>/results/times.txt
}
# detection LABEL: kernel done -> the last timed process exited; and the
# install as the kernel spent it (driver's write op -> done), for the overhead.
detection() {
	local end done received
	end=$(tail -n 1 /results/times.txt | sed -n 's/.* end_ns \([0-9]*\) .*/\1/p')
	done=$(cat "$SIM/completed_ns") received=$(cat "$SIM/received_ns")
	echo "$1 delay_us $(((end - done) / 1000)) install_us $(((done - received) / 1000))" \
		>>/results/delays.txt
}
fresh() { echo 1 >"$SIM/reset"; }

# A private system bus and tdxd on the catalog: the bus tests' helpers.
. "$VM_TOP/tests/bus/vm-scenarios.sh"
fail() { echo "bench-vm-update: $*"; exit 1; }
SCN_DIR=/run/tdx-bench STORE=$cat TEST_KEY_SHA256=$key
mkdir -p "$SCN_DIR"
refresh() {
	busctl --system call org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Refresh \
		>/dev/null
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
# The same with address-space randomisation off (setarch -R runs bench-exec,
# whose children inherit it): QEMU then keeps its translation of a program's
# code from one run to the next. Not how a host runs tdxctl; it shows how
# much of the figures above is TCG translating code again on every exec.
timer=(setarch -R "$X")
for i in $(seq 1 "$runs"); do
	timed floor_true_norandom /bin/true
	for b in $builds; do
		name=${b%%=*} t=${b#*=}/src/tdxctl/tdxctl
		fresh
		timed "${name}_direct_update_norandom" "$t" --direct --store "$cat" update 1.5.20 --yes
		detection "${name}_direct_update_norandom"
	done
done
timer=("$X")
unset DBUS_SYSTEM_BUS_ADDRESS
# Through tdxd, alternating run by run like --direct: one private bus and
# daemon per build, all started first; every pair but the one being timed is
# stopped (SIGSTOP), so an idle daemon of another build does not follow the
# simulator's changes during the timed run. The refresh before each update
# lets the resumed daemon catch up outside the timed window.
pairs=() # per build, in the order of $builds: "TDXD_PID BUS_PID BUS_ADDRESS"
for b in $builds; do
	TDXD=${b#*=}/src/tdxd/tdxd SCN_DIR=/run/tdx-bench/${b%%=*}
	rm -rf "$SCN_DIR"
	mkdir -p "$SCN_DIR"
	bus_up
	pairs+=("$TDXD_PID $BUS_PID $DBUS_SYSTEM_BUS_ADDRESS")
	kill -STOP "$TDXD_PID" "$BUS_PID"
done
for i in $(seq 1 "$runs"); do
	timed floor_true_bus /bin/true
	k=0
	for b in $builds; do
		name=${b%%=*} t=${b#*=}/src/tdxctl/tdxctl
		read -r TDXD_PID BUS_PID DBUS_SYSTEM_BUS_ADDRESS <<<"${pairs[k]}"
		export DBUS_SYSTEM_BUS_ADDRESS
		kill -CONT "$BUS_PID" "$TDXD_PID"
		timed "${name}_bus_status" "$t" status
		fresh
		refresh
		timed "${name}_bus_update" "$t" update 1.5.20 --yes
		detection "${name}_bus_update"
		kill -STOP "$TDXD_PID" "$BUS_PID"
		k=$((k + 1))
	done
done
k=0
for b in $builds; do
	read -r TDXD_PID BUS_PID DBUS_SYSTEM_BUS_ADDRESS <<<"${pairs[k]}"
	SCN_DIR=/run/tdx-bench/${b%%=*}
	kill -CONT "$BUS_PID" "$TDXD_PID"
	bus_down >>/results/tdxd.log
	k=$((k + 1))
done
unset DBUS_SYSTEM_BUS_ADDRESS
fresh
"$VM_BUILD/bench/bench-vm-notice" "$cat/joined_files/1.5/tdx_module_1.5.20.blob" "$runs" \
	>/results/notice.txt
GUEST
)
echo "bench-vm-update: $boots boot(s) of $runs runs, install_ms=$ims, guest Linux $VM_KREL" \
	"(TCG, 2 CPUs), root over 9p" >&2
dirs=()
for n in $(seq 1 "$boots"); do
	d=$res/boot$n
	echo "bench-vm-update: boot $n of $boots, host load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	# TCG on a loaded host: many runs of several builds take longer than a test boot may.
	VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-3600} vm_boot "$d" "$guest" || true
	[ -s "$d/times.txt" ] || { cat "$d/guest.log" >&2; echo "bench-vm-update: guest run $n failed" >&2; exit 1; }
	[ -s "$d/notice.txt" ] || echo "bench-vm-update: guest run $n ended early; what it measured follows" >&2
	dirs+=("$d")
done
echo "bench-vm-update: host load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 "$top/bench/bench-vm-report.py" "$ims" "${dirs[@]}"
