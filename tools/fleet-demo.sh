#!/bin/bash
# Five simulated TDX hosts roll through a two-hop update (1.5.06 -> 1.5.08 ->
# 1.5.10) with one FleetLock slot: each host is a tdxd on its own private
# bus with its own fake kernel and state, the slot lives in a real etcd
# behind tests/fleet/fleetlock-server.py. Prints the timeline of holders
# from etcd's revision history and each host's metrics. Everything runs on
# loopback and stops by itself. Needs the packages of tools/install-deps.sh.
#   tools/fleet-demo.sh [BUILD_DIR]   (default: build-fleet-demo, configured if needed)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-fleet-demo}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" >/dev/null || exit 1
fi
meson compile -C "$build" tdxd tdxctl bus-mkstore fake-kernel fake-polkit tdx-mkmodule \
	test-signing-key >/dev/null || exit 1
export TDXD=$build/src/tdxd/tdxd TDXCTL=$build/src/tdxctl/tdxctl \
	CLI_MKSTORE=$build/tests/bus/bus-mkstore TDX_MKMODULE=$build/tools/tdx-mkmodule \
	FAKE_KERNEL=$build/tests/common/fake-kernel FAKE_POLKIT=$build/tests/bus/fake-polkit \
	BUS_SRCDIR=$top/tests/bus FLEET_SRCDIR=$top/tests/fleet BUILD_ROOT=$build
. "$BUS_SRCDIR/lib.sh"
. "$FLEET_SRCDIR/fleet-lib.sh"
N=5
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 1.5.10,min=1.5.08 >/dev/null || exit 1
start_bus
start_etcd
start_fleetlock 1
for i in $(seq $N); do
	setup_host "$i" 1.5.06
	# 1.5.10 needs a running 1.5.08 (min_module_version_for_td_preserving): two hops.
	start_host_kernel "$i" version=1.5.08 version=1.5.10
	start_host_tdxd "$i"
done
echo "fleet-demo: $N hosts on 1.5.06, one slot in group $FLEET_GROUP; every host updates at once"
t0=$EPOCHREALTIME
callers=()
for i in $(seq $N); do
	host_update "$i" 1.5.10 >"$WORK/h$i/job" &
	callers+=($!)
done
wait "${callers[@]}"
for i in $(seq $N); do
	job=$(cat "$WORK/h$i/job")
	n=3000
	while [ $n -gt 0 ] && [ "$(host_job_prop "$i" "$job" State)" != finished ]; do
		sleep 0.1
		n=$((n - 1))
	done
	printf 'host-%s: %s, now %s\n' "$i" "$(host_job_prop "$i" "$job" Result)" \
		"$(host_prop "$i" ModuleVersion)"
done
t1=$EPOCHREALTIME
printf 'fleet-demo: all hosts done in %.1f s\n' "$(echo "$t1 - $t0" | bc -l)"
echo "timeline: holders of the slot by etcd revision (airlock's semaphore document)"
semaphore_history | sed 's/^/    rev /; s/ $/ (free)/'
echo "metrics of host-1 (tdxd.prom):"
grep -E '^tdx_(module_info|module_updates_total\{result="success"\}|seamldr_remaining|fleetlock)' \
	"$WORK/h1/prom/tdxd.prom" | sed 's/^/    /'
for i in $(seq $N); do stop_host_tdxd "$i"; done
