#!/bin/bash
# `tdxctl update --yes` through tdxd asks nothing, so it sends Update alone,
# without CheckUpdate first (issue 11: one round trip less per update).
# tdxd's Update refuses at once, without a job, whatever CheckUpdate would not
# plan; tdxctl then asks CheckUpdate for the words, so every refusal prints
# what --direct prints (stdout, stderr and exit code), and no job runs and no
# history record is written for it, as when tdxctl asked CheckUpdate first.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup
export TDXCTL_STORE=$WORK/store
MON=$WORK/monitor.txt

# The method calls to tdxd while CMD... runs, one member name a line, in $MON.
# dbus-monitor may watch the bus: it runs as the bus daemon's user.
monitor_calls() {
	local pid
	# The shell opens the output in the background child, maybe after the
	# wait below has looked: a file left by the last call would show its
	# NameLost and let CMD run before this monitor watches.
	rm -f "$WORK/monitor.raw"
	dbus-monitor --system "type='method_call',destination='org.tdxctl.tdx1'" \
		>"$WORK/monitor.raw" 2>&1 &
	pid=$!
	# NameLost: the bus made it a monitor (NameAcquired comes before that).
	wait_for 50 grep -q 'member=NameLost' "$WORK/monitor.raw" ||
		fail "dbus-monitor did not start: $(cat "$WORK/monitor.raw")"
	"$@"
	# A Ping after CMD: when the monitor has seen it, it has seen CMD's calls.
	"${BUSCTL[@]}" call org.tdxctl.tdx1 /org/tdxctl/tdx1 org.freedesktop.DBus.Peer Ping
	wait_for 50 grep -q 'member=Ping' "$WORK/monitor.raw" || fail "dbus-monitor missed a Ping"
	kill "$pid"
	wait "$pid" 2>/dev/null
	sed -n 's/^method call .* interface=org\.tdxctl\.tdx1\.Manager; member=\([A-Za-z]*\)$/\1/p' \
		"$WORK/monitor.raw" >"$MON"
}

# expect_same_refusal WHAT WANT_RC ARGS...: through tdxd as with --direct.
expect_same_refusal() {
	local what=$1 want=$2 f
	shift 2
	monitor_calls tdxctl_to bus "$@"
	tdxctl_to direct --direct "$@"
	for f in rc out err; do
		CHECKS=$((CHECKS + 1))
		cmp -s "$WORK/bus.$f" "$WORK/direct.$f" ||
			fail "$what: $f differs: $(diff "$WORK/bus.$f" "$WORK/direct.$f" | head -10)"
	done
	CHECKS=$((CHECKS + 2))
	[ "$(cat "$WORK/bus.rc")" = "$want" ] ||
		fail "$what: exit $(cat "$WORK/bus.rc"), expected $want: $(cat "$WORK/bus.err")"
	[ "$(tr '\n' ' ' <"$MON")" = "Update CheckUpdate " ] ||
		fail "$what: calls $(tr '\n' ' ' <"$MON"), expected Update, then CheckUpdate for the words"
}

# A planned update: Update alone.
start_fake_kernel success 1.5.08
fk=${PIDS[-1]}
monitor_calls run update --yes 1.5.08
kill "$fk"
wait "$fk" 2>/dev/null
expect_rc 0 "update --yes 1.5.08"
expect_grep "$OUT" '1\.5\.06 -> 1\.5\.08: success'
CHECKS=$((CHECKS + 1))
[ "$(tr '\n' ' ' <"$MON")" = "Update " ] ||
	fail "update --yes called $(tr '\n' ' ' <"$MON"), expected Update alone"
monitor_calls run update --dry-run
expect_rc 0 "update --dry-run"
CHECKS=$((CHECKS + 1))
[ "$(tr '\n' ' ' <"$MON")" = "Update " ] ||
	fail "update --dry-run called $(tr '\n' ' ' <"$MON"), expected Update alone"

# Refusals: CheckUpdate's words, no job, no history.
# host_is WORD...: a fresh fixture of that state, and tdxd told so.
host_is() {
	rm -rf "$WORK/sys"
	make_sysfs "$WORK/sys" "$@"
	"${BUSCTL[@]}" call "${DEST[@]}" Refresh || fail "Refresh failed"
}
host_is version=1.5.08
"${BUSCTL[@]}" call "${DEST[@]}" History >"$WORK/history-before"
for json in "" --json; do
	expect_same_refusal "$json up to date" 0 $json update --yes 1.5.08
	expect_same_refusal "$json no such version" 1 $json update --yes 1.5.99
	expect_same_refusal "$json downgrade" 3 $json update --yes 1.5.06
done
# The host's own refusals, before any plan: tdxd used to start a job that
# failed its pre-flight for these; the route tests never saw it.
for state in remaining=0 no-fwupload; do
	host_is "$state"
	for json in "" --json; do
		expect_same_refusal "$json $state" 1 $json update --yes 1.5.08
	done
done
CHECKS=$((CHECKS + 1))
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
cmp -s "$OUT" "$WORK/history-before" || fail "refusals added history: $(cat "$OUT")"

# A tdxd that does not answer: Update is not waited for forever (a timer's
# tdxctl would hang), and unanswered is not "refused" nor "not reachable":
# the call may have started a job, so the state is unknown (exit 5, one line).
# sd-bus's default method timeout is 25 s; $SYSTEMD_BUS_TIMEOUT shortens it.
# Up to date, so the Updates tdxd answers once resumed start no job.
host_is version=1.5.08
kill -STOP "$TDXD_PID"
for args in "update --yes 1.5.08" "update --dry-run 1.5.08"; do
	# shellcheck disable=SC2086 # the words of args are the arguments
	SYSTEMD_BUS_TIMEOUT=2 run $args
	expect_rc 5 "$args with tdxd stopped"
	expect_grep "$ERR" "tdxd did not answer Update in time"
	expect_grep "$ERR" "tdxctl status"
	expect_one_error_line
done
kill -CONT "$TDXD_PID"
# The refusals it then sends go to callers that are gone: tdxd carries on.
expect_prop ModuleVersion '"1.5.08"'
CHECKS=$((CHECKS + 1))
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
cmp -s "$OUT" "$WORK/history-before" || fail "the unanswered Updates added history: $(cat "$OUT")"
bus_finish
