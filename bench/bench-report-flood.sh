#!/bin/bash
# A privileged call's latency while unprivileged callers flood Report()
# (issue 7, defect 5): tdxd on a private bus with a store of 5,000 images;
# root's Peer.Ping p50/p99 idle, then while three nobody connections keep
# queueing 128 Report(status) calls each, back to back. Report answers from
# tdxd's cache, so the p99 during the flood should stay within 2x of idle.
# Prints numbers; never fails on time. Env: BENCH_CALLS (default 2000).
set -uo pipefail
: "${BENCH_CLIENTS:?}" "${BUS_FLOOD:?}" "${BUS_SRCDIR:?}"
CALLS=${BENCH_CALLS:-2000}
. "$BUS_SRCDIR/lib.sh"
make_sysfs "$WORK/sys"
"$CLI_MKSTORE" "$WORK/store" --many=5000 1.5.06 1.5.08 1.5.10 >/dev/null || exit 1
mkdir -p "$WORK/hooks/pre-update.d" "$WORK/hooks/post-update.d"
start_bus
write_conf
start_tdxd

# floor: fork+exec of /bin/true, same machine, same run
t0=$EPOCHREALTIME
for _ in $(seq 1 200); do /bin/true; done
t1=$EPOCHREALTIME
echo "floor: /bin/true fork+exec $(( (${t1/./} - ${t0/./}) / 200 )) us per run"

echo "== root Peer.Ping, $CALLS calls, idle"
"$BENCH_CLIENTS" ping 1 "$CALLS"

echo "== root Peer.Ping, $CALLS calls, during a Report(status) flood (3 x 128 queued, repeated)"
flood() {
	while :; do
		setpriv --reuid=65534 --regid=65534 --clear-groups "$BUS_FLOOD" report 3 128 status ||
			break
	done
}
flood >"$WORK/flood.out" 2>&1 &
flooder=$!
sleep 0.5
"$BENCH_CLIENTS" ping 1 "$CALLS"
kill "$flooder"
wait "$flooder" 2>/dev/null
echo "flood rounds during the measurement: $(grep -c '^replies' "$WORK/flood.out"), last: $(grep '^replies' "$WORK/flood.out" | tail -1)"
finish >/dev/null
