#!/bin/bash
# The cost of reads through tdxd (issues 7 and 8), on a private bus with a
# store of BENCH_IMAGES (default 10,000) images:
#  1. GetAll and the view calls (GetStatus, GetList) per second from 1, 8
#     and 64 root clients (root is not paced: this is tdxd's raw speed);
#  2. root's GetAll p50/p99 idle, then while an unprivileged client (nobody)
#     loops on the heaviest read, GetList, for the whole measurement.
# BENCH_BASELINE_TDXD=path runs the same against an older tdxd, whose reads
# were Report(status) and Report(list): the "before" beside the "after".
# BENCH_FLOOD_ONLY=1 skips the calls-per-second rows; BENCH_FLOOD_CALLS (default
# 10000) root GetAll calls are timed idle and under the loop.
# Prints numbers; never fails on time. Env: BENCH_CALLS (default 2000).
set -uo pipefail
: "${BENCH_CLIENTS:?}" "${BUS_SRCDIR:?}"
CALLS=${BENCH_CALLS:-2000}
FLOOD_CALLS=${BENCH_FLOOD_CALLS:-10000}
IMAGES=${BENCH_IMAGES:-10000}
. "$BUS_SRCDIR/lib.sh"
make_sysfs "$WORK/sys"
"$CLI_MKSTORE" "$WORK/store" --many="$IMAGES" 1.5.06 1.5.08 1.5.10 >/dev/null || exit 1
mkdir -p "$WORK/hooks/pre-update.d" "$WORK/hooks/post-update.d"
start_bus
write_conf

# floor: fork+exec of /bin/true, same machine, same run
t0=$EPOCHREALTIME
for _ in $(seq 1 200); do /bin/true; done
t1=$EPOCHREALTIME
echo "floor: /bin/true fork+exec $(((${t1/./} - ${t0/./}) / 200)) us per run"

# flood_row LABEL METHOD N: root's GetAll timed while N unprivileged clients
# (nobody) loop on METHOD for FLOOD_SECONDS; the flooders' own figures follow,
# so a row is never mistaken for one under load when the flood had stopped.
flood_row() {
	local flooder
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BENCH_CLIENTS" "$2" "$3" 1000000 "${BENCH_FLOOD_SECONDS:-20}" >"$WORK/flood.out" 2>&1 &
	flooder=$!
	sleep 1
	echo "-- root GetAll while $3 nobody client(s) loop on $2:"
	"$BENCH_CLIENTS" getall 1 "$FLOOD_CALLS"
	kill -0 "$flooder" 2>/dev/null ||
		echo "$1: the flood ended before the root row did; that row is NOT (all) under load"
	wait "$flooder"
	echo "-- the flooders (nobody, paced):"
	cat "$WORK/flood.out"
}

# bench_one LABEL: every measurement against the running tdxd.
bench_one() {
	local status=status list=list
	# tdxd before the views answered reads with Report(verb).
	# Capture first: grep -q would close the pipe early and, under pipefail,
	# make a tdxd that has GetList look like one that has not.
	local methods
	methods=$("${BUSCTL[@]}" introspect org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager)
	if ! grep -q '^\.GetList' <<<"$methods"; then
		status=report-status list=report-list
	fi
	echo "== $1: calls per second, $CALLS calls per row ($IMAGES images; list: $((CALLS / 10)))"
	for n in 1 8 64; do
		[ -z "${BENCH_FLOOD_ONLY:-}" ] || break
		"$BENCH_CLIENTS" getall "$n" "$CALLS"
		"$BENCH_CLIENTS" "$status" "$n" "$CALLS"
		"$BENCH_CLIENTS" "$list" "$n" $((CALLS / 10 > n ? CALLS / 10 : n))
	done
	echo "== $1: root GetAll idle, then while nobody loops on $list"
	"$BENCH_CLIENTS" getall 1 "$FLOOD_CALLS"
	for flooders in 1 8; do
		flood_row "$1" "$list" "$flooders"
	done
	echo "$1: load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

if [ -n "${BENCH_BASELINE_TDXD:-}" ]; then
	TDXD_SAVED=$TDXD
	TDXD=$BENCH_BASELINE_TDXD
	start_tdxd
	bench_one "before ($BENCH_BASELINE_TDXD)"
	stop_tdxd
	TDXD=$TDXD_SAVED
fi
start_tdxd
bench_one "after"
finish >/dev/null
