#!/bin/bash
# Routing (tdxctl(8) ROUTING): status, list, plan and update print the same
# stdout and exit with the same code through tdxd as with --direct, for the
# same host and store; update never falls back to in-process on its own; the
# options only --direct honours are refused in bus mode.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup
# --direct reads the daemon's store; through tdxd these variables do not matter.
export TDXCTL_STORE=$WORK/store
HOST=$WORK/sys/devices/faux/tdx_host
FW=$HOST/firmware/tdx_module

# Differences that are not the route's: the daemon has a veto (inhibitors and
# hooks) where --direct has none, and upload timings vary from run to run.
normalize() {
	sed -E -e 's/(veto: |"message":")no veto configured/\1no veto/' \
		-e 's/\(write [0-9.]+ s, install [0-9.]+ s\)/(write T s, install T s)/' \
		-e 's/"(write_ms|install_ms)":[0-9.]+/"\1":T/' -e 's/"polls":[0-9]+/"polls":N/' "$1"
}

# expect_same WHAT WANT_RC: the bus run and the --direct run agree, and exit WANT_RC.
expect_same() {
	local what=$1 want=$2 rb rd
	rb=$(cat "$WORK/bus.rc") rd=$(cat "$WORK/direct.rc")
	CHECKS=$((CHECKS + 3))
	[ "$rb" = "$rd" ] || fail "$what: exit $rb through tdxd, $rd with --direct: $(cat "$WORK/bus.err")"
	[ "$rb" = "$want" ] || fail "$what: exit $rb, expected $want: $(cat "$WORK/bus.err")"
	cmp -s <(normalize "$WORK/bus.out") <(normalize "$WORK/direct.out") ||
		fail "$what: stdout differs: $(diff <(normalize "$WORK/bus.out") <(normalize "$WORK/direct.out") | head -20)"
	[ -s "$WORK/bus.out" ] || [ "$want" != 0 ] || fail "$what: no output at all"
}

# same WANT_RC ARGS...: one read-only command both ways.
same() {
	local want=$1
	shift
	tdxctl_to bus "$@"
	tdxctl_to direct --direct "$@"
	expect_same "$*" "$want"
}

for json in "" --json; do
	same 0 $json status
	same 0 $json list
	same 0 $json plan
	same 0 $json plan 1.5.08
	same 0 $json plan 1.5.06
	same 1 $json plan 1.5.99
	same 0 $json update --dry-run
	same 0 $json update --dry-run 1.5.08
	same 0 $json update --yes 1.5.06
	same 1 $json update --dry-run 1.5.99
done
expect_empty "$FW/data" "data after dry runs"

# The route is real: through tdxd, TDXCTL_STORE does not matter (tdxd.conf does).
TDXCTL_STORE=$WORK/nowhere tdxctl_to bus list
TDXCTL_STORE=$WORK/nowhere tdxctl_to direct --direct list
CHECKS=$((CHECKS + 2))
[ "$(cat "$WORK/bus.rc")" = 0 ] || fail "list through tdxd read TDXCTL_STORE: $(cat "$WORK/bus.err")"
[ "$(cat "$WORK/direct.rc")" = 1 ] || fail "list --direct ignored TDXCTL_STORE"

# Options only --direct honours: a usage error naming the option and --direct.
for opt in --store="$WORK/store" --sysfs-root="$WORK/sys" --cpu-signature=0x806f8 --reserve=1 \
	--strict-compat --timeout=5 --wait-lock; do
	for verb in "update --yes" status; do
		run "$opt" $verb
		expect_rc 2 "$opt $verb in bus mode"
		expect_one_error_line
		expect_grep "$ERR" "^tdxctl: ${opt%%=*}: tdxd uses its own configuration.*--direct"
	done
done
expect_empty "$FW/data" "data after refused options"

# A host back at 1.5.06 with 10 updates left, and tdxd told so.
reset_host() {
	rm -rf "$WORK/sys"
	make_sysfs "$WORK/sys"
	"${BUSCTL[@]}" call "${DEST[@]}" Refresh >/dev/null || fail "Refresh: tdxd is gone"
}

# status --quiet: nothing printed, the state in the exit code, the same
# through tdxd (from GetStatus's document) as in-process.
# quiet_same WANT WHAT
quiet_same() {
	tdxctl_to bus status --quiet
	tdxctl_to direct --direct status --quiet
	CHECKS=$((CHECKS + 3))
	[ "$(cat "$WORK/bus.rc")" = "$1" ] ||
		fail "status --quiet through tdxd, $2: exit $(cat "$WORK/bus.rc"), expected $1: $(cat "$WORK/bus.err")"
	[ "$(cat "$WORK/direct.rc")" = "$1" ] ||
		fail "status --quiet --direct, $2: exit $(cat "$WORK/direct.rc"), expected $1"
	[ ! -s "$WORK/bus.out" ] && [ ! -s "$WORK/direct.out" ] || fail "status --quiet, $2, printed"
}
# The documents come from tdxd's cache: after changing the fixture, Refresh
# tells tdxd, as the kernel's uevents do on a real host.
host_changed() { "${BUSCTL[@]}" call "${DEST[@]}" Refresh >/dev/null || fail "Refresh failed"; }
quiet_same 10 "update available"
set_sysfs "$WORK/sys" version=1.5.10
host_changed
quiet_same 0 "up to date"
lose_module "$WORK/sys"
host_changed
quiet_same 11 "module lost"
reset_host

# Colour on a terminal: tdxctl draws it from tdxd's document, the same bytes.
# tty_to NAME ARGS...: tdxctl ARGS on a pty, output in $WORK/NAME.out.
tty_to() {
	local name=$1
	shift
	TERM=xterm script -qec "$(printf '%q ' "$TDXCTL" "$@")" /dev/null </dev/null >"$WORK/$name.out" 2>&1
	echo $? >"$WORK/$name.rc"
}
for verb in status list; do
	tty_to bus $verb
	tty_to direct --direct $verb
	expect_grep "$WORK/bus.out" $'\033\\[0;1;32m' "$verb through tdxd on a terminal"
	CHECKS=$((CHECKS + 1))
	cmp -s "$WORK/bus.out" "$WORK/direct.out" ||
		fail "$verb on a terminal differs: $(diff "$WORK/bus.out" "$WORK/direct.out" | cat -v | head)"
done

# real_update OUTCOME NAME ARGS...: one update against fake-kernel playing OUTCOME.
real_update() {
	local outcome=$1 name=$2 fk
	shift 2
	reset_host
	start_fake_kernel "$outcome" 1.5.08
	fk=${PIDS[-1]}
	tdxctl_to "$name" "$@"
	kill "$fk"
	wait "$fk" 2>/dev/null
}

for json in "" --json; do
	for outcome in success:0 refuse:1 fatal:4; do
		real_update "${outcome%:*}" bus $json update --yes 1.5.08
		real_update "${outcome%:*}" direct --direct $json update --yes 1.5.08
		expect_same "$json update (${outcome%:*})" "${outcome#*:}"
	done
done
expect_grep "$WORK/bus.err" 'FATAL: the TDX module was lost' "fatal banner through tdxd"
# A fatal update through tdxd on a terminal: the job's colour report.
reset_host
start_fake_kernel fatal
fk=${PIDS[-1]}
tty_to bus update --yes 1.5.08
kill "$fk"
wait "$fk" 2>/dev/null
expect_grep "$WORK/bus.out" $'1\\.5\\.06 -> 1\\.5\\.08: \033\\[0;1;31mfatal' "fatal through tdxd on a terminal"
expect_grep "$WORK/bus.out" $'\033\\[0;1;31mtdxctl: \\*+' "fatal banner through tdxd on a terminal"

# A store of 10,000 images (issue 8): every read verb and the dry runs, text
# and JSON, through tdxd as with --direct. GetList's document (about 7 MB)
# travels as a sealed memfd; nobody gets it too, so fd passing works for an
# unprivileged caller under the shipped bus policy.
reset_host
stop_tdxd
write_conf
sed -i "s|^Path=.*|Path=$STORE_10K|" "$WORK/tdxd.conf"
start_tdxd
for json in "" --json; do
	TDXCTL_STORE=$STORE_10K same 0 $json status
	TDXCTL_STORE=$STORE_10K same 0 $json list
	TDXCTL_STORE=$STORE_10K same 0 $json plan
	TDXCTL_STORE=$STORE_10K same 0 $json plan 1.5.08
	TDXCTL_STORE=$STORE_10K same 1 $json plan 1.5.99
	TDXCTL_STORE=$STORE_10K same 0 $json update --dry-run
	TDXCTL_STORE=$STORE_10K same 1 $json update --dry-run 1.5.99
done
CHECKS=$((CHECKS + 3))
TDXCTL_STORE=$STORE_10K tdxctl_to direct --direct --json list
[ "$(jq '.candidates | length' "$WORK/direct.out")" -ge 10000 ] ||
	fail "the 10,000-image store lists $(jq '.candidates | length' "$WORK/direct.out") images"
# The list is a file descriptor on the bus, not 7 MB in one message.
"${BUSCTL[@]}" call "${DEST[@]}" GetList a{sv} 0 >"$WORK/getlist.out" || fail "GetList failed"
expect_grep "$WORK/getlist.out" '^h [0-9]+$' "GetList's reply is one fd"
as_nobody "$TDXCTL" --json list >"$WORK/nobody.out" 2>"$WORK/nobody.err" ||
	fail "list --json through tdxd as nobody: $(cat "$WORK/nobody.err")"
cmp -s "$WORK/nobody.out" "$WORK/direct.out" || fail "list --json as nobody differs from --direct"
expect_empty "$FW/data" "data after the 10,000-image runs"
stop_tdxd
write_conf
start_tdxd

# Without tdxd: update stops with one line and writes nothing; reads fall back.
reset_host
stop_tdxd
for json in "" --json; do
	run $json update --yes
	expect_rc 1 "update $json without tdxd"
	expect_one_error_line
	expect_grep "$ERR" '^tdxctl: tdxd is not reachable .*; pass --direct to update in-process'
	expect_empty "$OUT" "stdout of update $json without tdxd"
done
expect_empty "$FW/data" "data after update without tdxd"
same 0 status
same 0 --json list
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-such-bus run update --yes
expect_rc 1 "update without a system bus"
expect_grep "$ERR" 'tdxd is not reachable'
expect_empty "$FW/data" "data after update without a bus"

# Activation fails (issue 14): status, list and plan run in-process on any
# activation error, update stops with one line. A second bus whose
# activation file for org.tdxctl.tdx1 runs EXEC.
activation_bus() {
	local name=$1 exec=$2 dir=$WORK/act-$1
	mkdir -p "$dir/services"
	printf '[D-BUS Service]\nName=org.tdxctl.tdx1\nExec=%s\nUser=root\n' "$exec" \
		>"$dir/services/org.tdxctl.tdx1.service"
	sed -e "s|$WORK/system_bus_socket|$dir/socket|" \
		-e "s|</busconfig>|<servicedir>$dir/services</servicedir></busconfig>|" \
		"$WORK/bus.conf" >"$dir/bus.conf"
	dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile 2>"$dir/dbus.log" &
	PIDS+=($!)
	wait_for 50 test -S "$dir/socket" || fail "$name: dbus-daemon did not start"
	ACT_BUS=unix:path=$dir/socket
}
for act in "exits:/bin/false" "missing:$WORK/no-such-tdxd"; do
	activation_bus "${act%%:*}" "${act#*:}"
	# The call itself fails with an activation error, not "no owner".
	CHECKS=$((CHECKS + 1))
	DBUS_SYSTEM_BUS_ADDRESS=$ACT_BUS "${BUSCTL[@]}" call "${DEST[@]}" Ping \
		>/dev/null 2>"$WORK/act.err" && fail "${act%%:*}: activation succeeded"
	for verb in status "--json list" plan; do
		DBUS_SYSTEM_BUS_ADDRESS=$ACT_BUS tdxctl_to bus $verb
		tdxctl_to direct --direct $verb
		expect_same "$verb with activation failing (${act%%:*}: $(cat "$WORK/act.err"))" 0
	done
	DBUS_SYSTEM_BUS_ADDRESS=$ACT_BUS run update --yes
	expect_rc 1 "update with activation failing (${act%%:*})"
	expect_one_error_line
	expect_grep "$ERR" '^tdxctl: tdxd is not reachable .*; pass --direct to update in-process'
done
expect_empty "$FW/data" "data after activation failures"

bus_finish
