#!/bin/bash
# FleetLock rollouts: five tdxd, each on its own private bus with its own
# fake kernel and state, one slot in a real etcd behind the FleetLock server.
#  - every host updating at once: never more than one holder, read from
#    etcd's revision history (not from the hosts' logs), and all reach the
#    target;
#  - a host whose update is FATAL keeps its slot and blocks the others;
#  - once it is rebooted, restarting its tdxd with no job in flight releases
#    the slot and the others go on.
. "$BUS_SRCDIR/lib.sh"
. "$FLEET_SRCDIR/fleet-lib.sh"
N=5
for tool in etcd etcdctl jq; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (tools/install-deps.sh)"; exit 1; }
done
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 1.5.10 >/dev/null || exit 1
start_bus # writes $WORK/bus.conf, the template of each host's bus
start_etcd
start_fleetlock 1
for i in $(seq $N); do
	setup_host "$i" 1.5.06
	start_host_tdxd "$i"
	start_host_kernel "$i" version=1.5.08
done

# wait_host_job I PATH: until the job is finished (bounded); prints its Result.
wait_host_job() {
	local n=1200
	while [ $n -gt 0 ] && [ "$(host_job_prop "$1" "$2" State)" != finished ]; do
		sleep 0.1
		n=$((n - 1))
	done
	host_job_prop "$1" "$2" Result
}

# 1. Every host at once, one slot.
callers=()
for i in $(seq $N); do
	host_update "$i" 1.5.08 >"$WORK/h$i/job" &
	callers+=($!)
done
wait "${callers[@]}"
for i in $(seq $N); do
	result=$(wait_host_job "$i" "$(cat "$WORK/h$i/job")")
	CHECKS=$((CHECKS + 1))
	[ "$result" = success ] || fail "host $i: update result '$result': $(tail -3 "$WORK/h$i/tdxd.log")"
	CHECKS=$((CHECKS + 1))
	[ "$(host_prop "$i" ModuleVersion)" = 1.5.08 ] || fail "host $i is not on 1.5.08"
done
semaphore_history >"$WORK/history"
echo "semaphore holders by etcd revision:"
sed 's/^/    /' "$WORK/history"
CHECKS=$((CHECKS + 1))
awk '{ n = split($2, h, ","); if (n > 1) bad = 1 } END { exit bad }' "$WORK/history" ||
	fail "more than one holder at some revision"
CHECKS=$((CHECKS + 1))
[ "$(awk 'NF == 2 { print $2 }' "$WORK/history" | sort -u | wc -l)" -eq $N ] ||
	fail "not every host held the slot once"
CHECKS=$((CHECKS + 1))
[ "$(tail -1 "$WORK/history" | awk '{ print NF }')" -eq 1 ] || fail "a slot is still held at the end"
# Each host's metrics count its FleetLock requests (Zincati's names); the
# hosts that waited saw airlock's full-semaphore error.
waited=0
for i in $(seq $N); do
	expect_grep "$WORK/h$i/prom/tdxd.prom" '^tdx_fleetlock_requests_total\{api="pre_reboot"\} [1-9][0-9]*$'
	expect_grep "$WORK/h$i/prom/tdxd.prom" '^tdx_fleetlock_requests_total\{api="steady_state"\} [2-9]$'
	grep -q '^tdx_fleetlock_errors_total{api="pre_reboot",kind="failed_lock"} [1-9]' \
		"$WORK/h$i/prom/tdxd.prom" && waited=$((waited + 1))
done
CHECKS=$((CHECKS + 1))
[ "$waited" -ge 1 ] || fail "no host counted a failed_lock error"

# 2. Host 1's update is FATAL: it keeps its slot and the others wait.
for i in $(seq $N); do kill "${HOST_KERNEL[$i]}"; wait "${HOST_KERNEL[$i]}" 2>/dev/null; done
start_host_kernel 1 lost
start_host_kernel 2 version=1.5.10
start_host_kernel 3 version=1.5.10
result=$(wait_host_job 1 "$(host_update 1 1.5.10)")
CHECKS=$((CHECKS + 1))
[ "$result" = fatal ] || fail "host 1: result '$result', expected fatal"
job2=$(host_update 2 1.5.10)
job3=$(host_update 3 1.5.10)
sleep 3
for j in "2 $job2" "3 $job3"; do
	set -- $j
	CHECKS=$((CHECKS + 1))
	[ "$(host_job_prop "$1" "$2" Phase)" = fleet-lock ] ||
		fail "host $1 did not wait for the slot: phase $(host_job_prop "$1" "$2" Phase)"
done
CHECKS=$((CHECKS + 1))
[ "$(etcdctl --endpoints="$ETCD_URL" get "$FLEET_KEY" --print-value-only | jq -c .holders)" = '["host-1"]' ] ||
	fail "the FATAL host does not hold the slot alone"
# Restarting tdxd on the broken host does not release it while the module is lost.
stop_host_tdxd 1
start_host_tdxd 1
CHECKS=$((CHECKS + 1))
[ "$(etcdctl --endpoints="$ETCD_URL" get "$FLEET_KEY" --print-value-only | jq -c .holders)" = '["host-1"]' ] ||
	fail "a restart with the module lost released the slot"

# 3. Host 1 rebooted (the module readable again): tdxd starts with no job in
#    flight and releases the slot; the waiting hosts go on.
stop_host_tdxd 1
kill "${HOST_KERNEL[1]}"
set_sysfs "$WORK/h1/sys" version=1.5.08
start_host_tdxd 1
expect_grep "$WORK/h1/tdxd.log" 'FleetLock: slot released \(tdxd started with no update in flight\)'
for j in "2 $job2" "3 $job3"; do
	set -- $j
	result=$(wait_host_job "$1" "$2")
	CHECKS=$((CHECKS + 1))
	[ "$result" = success ] || fail "host $1 after the release: '$result'"
done
semaphore_history >"$WORK/history"
CHECKS=$((CHECKS + 1))
awk '{ n = split($2, h, ","); if (n > 1) bad = 1 } END { exit bad }' "$WORK/history" ||
	fail "more than one holder at some revision (second round)"
for i in $(seq $N); do stop_host_tdxd "$i"; done

# 4. tdxd-fleetlock, the helper tdxd runs in a transient unit under systemd
#    (tdxd(8) FLEETLOCK): one request; exit 0 on HTTP 200, else exit 1 and
#    "<kind> <message>" on stdout (the kind becomes the metrics label).
helper() { # EXPECTED_EXIT ARGS...: runs the helper; its stdout in $WORK/helper.out
	local want=$1 rc
	shift
	"$TDXD_FLEETLOCK" "$@" >"$WORK/helper.out" 2>"$WORK/helper.err"
	rc=$?
	CHECKS=$((CHECKS + 1))
	[ "$rc" = "$want" ] || fail "tdxd-fleetlock $*: exit $rc, expected $want: $(cat "$WORK/helper.out" "$WORK/helper.err")"
}
helper 0 pre_reboot "$FLEETLOCK_URL" "$FLEET_GROUP" helper-a 5000
expect_grep <(etcdctl --endpoints="$ETCD_URL" get "$FLEET_KEY" --print-value-only) '"helper-a"'
helper 1 pre_reboot "$FLEETLOCK_URL" "$FLEET_GROUP" helper-b 5000
expect_grep "$WORK/helper.out" '^failed_lock HTTP 500 failed_lock: semaphore is full$'
helper 0 steady_state "$FLEETLOCK_URL" "$FLEET_GROUP" helper-a 5000
expect_grep <(etcdctl --endpoints="$ETCD_URL" get "$FLEET_KEY" --print-value-only) '"holders": ?\[\]'
helper 1 pre_reboot "http://127.0.0.1:$(free_port)/" "$FLEET_GROUP" helper-a 5000
expect_grep "$WORK/helper.out" '^transport http://127\.0\.0\.1:[0-9]+/v1/pre-reboot: '
helper 2 take "$FLEETLOCK_URL" "$FLEET_GROUP" helper-a 5000
helper 2 pre_reboot "$FLEETLOCK_URL" "$FLEET_GROUP" helper-a 0
for i in $(seq $N); do
	expect_no_grep "$WORK/h$i/tdxd.log" 'Sanitizer|runtime error' "host $i tdxd log"
done
finish
