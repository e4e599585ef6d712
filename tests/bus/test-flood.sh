#!/bin/bash
# Unprivileged floods (issue 7, defects 4 and 5), bounded in count and time.
# Inhibitors: tdxd runs with its fd limit lowered to 192 (prlimit), so the
# global cap is 192 - 128 (reserve) = 64; polkit says yes to everyone, as its
# default does for active local sessions. One uid gets 32 (the per-uid cap),
# two uids fill the global cap, a third gets none, and root still inhibits,
# updates (vetoed, recorded in History) and reads; released, the update runs.
# Reads: a store of 5,000 images; three unprivileged connections each queue
# 128 GetStatus calls at once (issue 7's flood; bench-view-flood loops on the
# heaviest read, GetList). The document comes from the cache of the last
# refresh and unprivileged reads are paced per uid (tdxctl-dbus(5)), so
# root's Ping, Inhibit and Update
# answer within 10 s (a bound far above what they take, well under the 90 s
# seen before the fix), the uid's queue is capped (LimitExceeded beyond), and
# the flood itself ends within 60 s, every call answered.
. "$BUS_SRCDIR/lib.sh"
: "${BUS_FLOOD:?}"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
make_sysfs "$WORK/sys"
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 1.5.10 >/dev/null || exit 1
mkdir -p "$WORK/hooks/pre-update.d" "$WORK/hooks/post-update.d"
start_bus
write_conf
"$FAKE_POLKIT" yes >"$WORK/polkit.log" 2>&1 &
PIDS+=($!)
wait_for 50 grep -q ready "$WORK/polkit.log"
prlimit --nofile=192:192 "$TDXD" --config="$WORK/tdxd.conf" >>"$WORK/tdxd.log" 2>&1 &
TDXD_PID=$!
PIDS+=("$TDXD_PID")
wait_for 100 "${BUSCTL[@]}" call org.tdxctl.tdx1 /org/tdxctl/tdx1 org.freedesktop.DBus.Peer Ping ||
	{ cat "$WORK/tdxd.log"; echo "tdxd did not start"; exit 1; }
CHECKS=$((CHECKS + 1))
grep -q "Max open files *192 *192" "/proc/$TDXD_PID/limits" || fail "tdxd fd limit: $(grep 'open files' "/proc/$TDXD_PID/limits")"

# flood UID N OUT: bus-flood as UID holding up to N inhibitors until its stdin closes.
HOLDERS=()
flood() {
	local uid=$1 n=$2 out=$3 fifo=$WORK/hold.$1
	mkfifo "$fifo"
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$BUS_FLOOD" inhibit "$n" <"$fifo" >"$out" 2>&1 &
	PIDS+=($!)
	exec {fd}>"$fifo"
	HOLDERS+=("$fd")
	wait_for 300 grep -q holding "$out" || fail "flood as $uid did not finish: $(cat "$out")"
}

t0=$EPOCHREALTIME
flood 65534 100 "$WORK/flood.a"
expect_grep "$WORK/flood.a" "^granted 32$"
expect_grep "$WORK/flood.a" "^refused org.tdxctl.tdx1.Error.LimitExceeded: uid 65534 already holds 32 inhibitors"
flood 1 100 "$WORK/flood.b"
expect_grep "$WORK/flood.b" "^granted 32$"
flood 2 100 "$WORK/flood.c"
expect_grep "$WORK/flood.c" "^granted 0$"
expect_grep "$WORK/flood.c" "refused org.tdxctl.tdx1.Error.LimitExceeded: too many inhibitors held on this host \(64, at most 64\)"
CHECKS=$((CHECKS + 1))
[ "$("${BUSCTL[@]}" get-property "${DEST[@]}" Inhibitors | awk '{print $2}')" = 64 ] ||
	fail "Inhibitors: $("${BUSCTL[@]}" get-property "${DEST[@]}" Inhibitors | head -c 100)"

# root is not locked out: its Inhibit, Update (answered, vetoed, recorded) and reads.
bounded() { # WHAT CMD...: CMD answers within 10 s (generous; it takes milliseconds)
	local what=$1
	shift
	timeout -s KILL 10 "$@" >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc 0 "$what"
}
bounded "root Inhibit under the flood" "$TDXCTL" inhibit --who=root -- true
job=$(timeout 10 "${BUSCTL[@]}" call "${DEST[@]}" Update "sa{sv}" 1.5.08 0 | sed -E 's/^o "(.*)"$/\1/')
expect_job "$job" vetoed "root Update under the flood"
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '"vetoed" "[^"]*64 inhibitors held'
bounded "root status under the flood" "$TDXCTL" status
expect_grep "$OUT" "Module: 1.5.06"

# released: every inhibitor goes, the update runs
for fd in "${HOLDERS[@]}"; do exec {fd}>&-; done
wait_for 100 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager Inhibitors | grep -qx 'a(ssuu) 0'"
expect_prop Inhibitors 0
start_fake_kernel success 1.5.08
job=$(start_update 1.5.08)
expect_job "$job" success "update after the flood"
echo "inhibitor flood: $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms"

# --- the read flood ---
stop_tdxd
rm -rf "$WORK/store"
"$CLI_MKSTORE" "$WORK/store" --many=5000 1.5.06 1.5.08 1.5.10 >/dev/null || exit 1
start_tdxd
t0=$EPOCHREALTIME
setpriv --reuid=65534 --regid=65534 --clear-groups "$BUS_FLOOD" read 3 128 GetStatus \
	>"$WORK/reads.out" 2>&1 &
reader=$!
PIDS+=("$reader")
sleep 0.2
bounded "root Ping during the read flood" "${BUSCTL[@]}" call org.tdxctl.tdx1 /org/tdxctl/tdx1 \
	org.freedesktop.DBus.Peer Ping
bounded "root Inhibit during the read flood" "$TDXCTL" inhibit --who=root -- true
job=$(timeout 10 "${BUSCTL[@]}" call "${DEST[@]}" Update "sa{sv}" 1.5.10 0 | sed -E 's/^o "(.*)"$/\1/')
CHECKS=$((CHECKS + 1))
[[ "$job" == /org/tdxctl/tdx1/job/* ]] || fail "root Update during the read flood: '$job' $(cat "$ERR")"
echo "root calls during the read flood: $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms"
timeout -s KILL 60 tail --pid="$reader" -f /dev/null
expect_grep "$WORK/reads.out" "^replies 384 "
# Paced, not all answered at once: beyond the uid's queue the calls are refused.
CHECKS=$((CHECKS + 1))
errors=$(sed -nE 's/^replies 384 errors ([0-9]+) .*/\1/p' "$WORK/reads.out")
[ "${errors:-0}" -gt 0 ] || fail "no read of the flood was refused: $(cat "$WORK/reads.out")"
echo "read flood: $(cat "$WORK/reads.out")"
bus_finish
