#!/bin/bash
# Where `tdxctl --direct update` spends its time in the TCG guest (issue 11):
# a timeline per phase, from the guest kernel's own trace. Boots the same
# guest as bench-vm-update (Debian's 6.12 kernel, tdx_host_sim, root over
# 9p), runs the update PROFILE_RUNS times exactly as that bench does
# (--direct --store CATALOG update 1.5.20 --yes, output to /dev/null) with
# ftrace on: every syscall entry and exit, user page faults, exec and exit
# (trace_clock mono, the simulator's completed_ns clock), and a kprobe naming
# each file opened. The report (profile-vm-report.py) cuts each run at
# landmarks (the loader's last munmap, the first open of tdxd.conf, of
# mapping_file.json, of the blob, the lock, the fw_upload files...) and
# prints milliseconds per phase, median and min over the runs, with the
# syscalls and page faults of each phase.
# Tracing every syscall costs a few microseconds each: the phases are
# ~10-20% longer than untraced; compare phases with each other, and builds in
# the same boot (PROFILE_BASELINE=BUILD_DIR: its tdxctl, alternating).
#   PROFILE_RUNS (default 7), PROFILE_BUILD (meson build dir),
#   PROFILE_BASELINE (optional build dir)
# Run: meson compile -C build profile-vm-update
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
VM_BUILD=${PROFILE_BUILD:-$top/build-vm}
runs=${PROFILE_RUNS:-7}
. "$top/tests/vm/vm-lib.sh"
vm_build_binaries
vm_prepare
"$top/tests/vm/mkcatalog.sh" "$VM_BUILD" "$VM_BUILD/vm/catalog"
res="$VM_BUILD/vm/profile"
rm -rf "$res"
mkdir -p "$res"

builds=""
if [ -n "${PROFILE_BASELINE:-}" ]; then
	mkdir -p "$VM_BUILD/vm/profile-baseline"
	cp "$PROFILE_BASELINE/src/tdxctl/tdxctl" "$VM_BUILD/vm/profile-baseline/tdxctl"
	builds+="before=$VM_BUILD/vm/profile-baseline/tdxctl "
fi
builds+="after=$VM_BUILD/src/tdxctl/tdxctl"

guest=$(printf 'runs=%q builds=%q\n' "$runs" "$builds")
guest+=$(cat <<'GUEST'

set -u
cat=$VM_BUILD/vm/catalog
SIM=/sys/kernel/debug/tdx_host_sim
key=$(cat "$VM_BUILD/vm/test-key-sha256")
export TDXCTL_TRUSTED_SIGNING_KEYS=$key TDXCTL_LOCK_PATH=/run/tdx-bench.lock
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/no-bus
insmod "$VM_KO" module_version=1.5.06 install_ms=200 trusted_keys=$key
T=/sys/kernel/tracing
mount -t tracefs nodev "$T" 2>/dev/null || true
[ -e "$T/trace" ] || T=/sys/kernel/debug/tracing
echo mono >"$T/trace_clock"
echo 32768 >"$T/buffer_size_kb"
# x86-64: do_sys_openat2(dfd, filename, how), the name is the second argument.
echo 'p:open_name do_sys_openat2 name=+0(%si):ustring' >>"$T/kprobe_events"
for e in syscalls/enable exceptions/page_fault_user/enable sched/sched_process_exec/enable \
	sched/sched_process_exit/enable kprobes/open_name/enable; do
	echo 1 >"$T/events/$e"
done
echo 1 >"$T/options/event-fork"
echo 0 >"$T/tracing_on"
for b in $builds; do
	for i in 1 2; do # warm the page cache
		"${b#*=}" --direct --store "$cat" update 1.5.20 --yes >/dev/null
		echo 1 >"$SIM/reset"
	done
done
# traced CMD...: one run, only this process (its pid, kept across exec) traced.
traced() {
	echo >"$T/trace"
	echo 1 >"$T/tracing_on"
	bash -c 'echo $$ >"$0/set_event_pid"; exec "$@"' "$T" "$@" >/dev/null 2>&1 || true
	echo 0 >"$T/tracing_on"
	echo >"$T/set_event_pid"
}
for i in $(seq 1 "$runs"); do
	for b in $builds; do
		name=${b%%=*}
		echo 1 >"$SIM/reset"
		traced "${b#*=}" --direct --store "$cat" update 1.5.20 --yes
		cat "$SIM/completed_ns" >"/results/$name-$i.completed"
		cat "$T/trace" >"/results/$name-$i.trace"
	done
	traced /bin/true
	cat "$T/trace" >"/results/true-$i.trace"
done
GUEST
)
echo "profile-vm-update: $runs traced runs per build, guest Linux $VM_KREL (TCG, 2 CPUs)," \
	"root over 9p; host load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-1800} vm_boot "$res" "$guest" || true
ls "$res"/after-*.trace >/dev/null 2>&1 || { cat "$res/guest.log" >&2; echo "profile-vm-update: the guest run failed" >&2; exit 1; }
echo "profile-vm-update: host load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 "$top/bench/profile-vm-report.py" "$res" "$VM_BUILD/vm/catalog"
