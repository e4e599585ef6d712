#!/bin/bash
# tdxd on a private system bus against a fixture host (tests/bus/lib.sh):
#  1. GetAll vs Peer.Ping throughput and latency from 1, 8 and 64 clients;
#  2. idle cost: wake-ups (context switches from /proc/PID/schedstat and
#     /proc/PID/status) over BENCH_IDLE_SECONDS (default 60), resident memory
#     and threads.
# Prints numbers; never fails on time.
set -uo pipefail
: "${BENCH_CLIENTS:?}" "${BUS_SRCDIR:?}"
CALLS=${BENCH_CALLS:-20000}
IDLE=${BENCH_IDLE_SECONDS:-60}
. "$BUS_SRCDIR/lib.sh"
standard_setup

echo "== GetAll (cache) vs Peer.Ping on tdxd, $CALLS calls per row"
for n in 1 8 64; do
	"$BENCH_CLIENTS" ping "$n" "$CALLS"
	"$BENCH_CLIENTS" getall "$n" "$CALLS"
done

ctxt() { # voluntary + involuntary context switches of every tdxd thread
	local s=0 t v
	for t in /proc/"$TDXD_PID"/task/*; do
		v=$(awk '/ctxt_switches/ {n += $2} END {print n}' "$t/status")
		s=$((s + v))
	done
	echo "$s"
}
sched() { awk '{print $3}' /proc/"$TDXD_PID"/schedstat; }

sleep 1
c0=$(ctxt)
s0=$(sched)
echo "== idle for ${IDLE} s"
sleep "$IDLE"
c1=$(ctxt)
s1=$(sched)
echo "wake-ups over ${IDLE} s: $((c1 - c0)) context switches, $((s1 - s0)) schedstat timeslices"
awk '/^VmRSS|^Threads/ {print}' /proc/"$TDXD_PID"/status
finish >/dev/null
