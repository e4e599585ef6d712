# Shared helpers for the tdxd bus tests (sourced). Each test gets a private
# dbus-daemon configured like a system bus (default deny, our policy file
# included), a sysfs fixture tree and a synthetic store from the CLI test
# helpers (../cli/lib.sh), and runs the real tdxd against them.
: "${TDXD:?TDXD must point at the tdxd binary}"
: "${BUS_SRCDIR:?BUS_SRCDIR must point at tests/bus}"
: "${FAKE_POLKIT:?}"
# shellcheck source=../cli/lib.sh
. "$BUS_SRCDIR/../cli/lib.sh"
# `run` talks to tdxd here; tests that want the library in-process say --direct.
TDXCTL_ARGS=()

PIDS=()
# bus_exit: the EXIT trap. Stops the watchdog and everything the test
# started; keeps the work directory (and says where) unless the test passed.
bus_exit() {
	local rc=$? p
	# Only the test's own shell cleans up: a forked child that got a signal
	# before its exec would otherwise kill tdxd and remove $WORK under the test.
	[ "$BASHPID" = "$$" ] || return
	# a watchdog that fired is still stopping what hangs: leave it be
	[ -z "$BUS_WATCHDOG_PID" ] || [ -e "$WORK/watchdog.fired" ] || kill "$BUS_WATCHDOG_PID" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ "$rc" -ne 0 ] || [ "$FAILS" -ne 0 ] || [ -n "$BUS_KILLED" ] || [ -e "$WORK/watchdog.fired" ]; then
		echo "$(basename "$0"): work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
BUS_KILLED=
trap bus_exit EXIT
# meson's timeout or the watchdog: the EXIT trap still runs, and keeps $WORK.
trap 'BUS_KILLED=1; exit 143' TERM
# A non-root caller must be able to reach the bus socket.
chmod 755 "$WORK"

# The watchdog (issue 8: bus-route was once killed at meson's timeout with
# nothing to read). After BUS_WATCHDOG_SEC seconds (meson.build: the test's
# timeout minus 30; unset or 0: none) it prints to stderr the step the test
# is in, the end of tdxd's and the fake kernels' logs, the test's processes
# with their wait channels and the fw_upload files, then ends the test.
BUS_WATCHDOG_PID=
BUS_STEP=$WORK/watchdog.step

# bus_descendants PID: the pids of PID's process tree below it, parents first.
bus_descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END { n = split(kids[root], q, " "); for (i = 1; i <= n; i++) {
			print q[i]; m = split(kids[q[i]], more, " ")
			for (j = 1; j <= m; j++) q[++n] = more[j] } }'
}

# bus_dump TEST_PID WATCHDOG_PID: what a hung test was doing, on stderr.
bus_dump() {
	local main=$1 self=$2 f d a pids
	echo "=== watchdog: $(basename "$0") still running after $BUS_WATCHDOG_SEC s; it is at"
	cat "$BUS_STEP" 2>/dev/null
	for f in "$WORK/tdxd.log" "$WORK"/h*/tdxd.log; do
		[ -e "$f" ] || continue
		echo "=== ${f#"$WORK"/} (last 40 lines)"
		tail -n 40 "$f"
	done
	for f in "$WORK"/fake-kernel.log "$WORK"/uploads.log "$WORK"/h*/fake-kernel.log "$WORK"/h*/uploads.log; do
		[ -e "$f" ] || continue
		echo "=== ${f#"$WORK"/}"
		tail -n 20 "$f"
	done
	echo "=== processes of the test"
	pids=$(bus_descendants "$main" | grep -vx "$self" | paste -sd, -)
	ps -o pid,ppid,stat,wchan:32,etime,args -p "$main${pids:+,$pids}"
	for d in "$WORK"/sys "$WORK"/h*/sys; do
		d=$d/devices/faux/tdx_host/firmware/tdx_module
		[ -d "$d" ] || continue
		echo "=== ${d#"$WORK"/}"
		for a in status error loading remaining_size; do
			printf '%s: %q\n' "$a" "$(cat "$d/$a" 2>&1)"
		done
		printf 'data: %s\n' "$(stat -c '%F, %s bytes' "$d/data" 2>&1)"
	done
}

# bus_watchdog TEST_PID: sleeps, then dumps, marks the work directory to be
# kept, and stops the test's processes (a hung child would keep the test
# shell, and meson's pipes, waiting).
bus_watchdog() {
	local main=$1 self=$BASHPID sleeper p
	# no inherited pipes: a sleep left over must not keep meson reading
	sleep "$BUS_WATCHDOG_SEC" </dev/null >/dev/null 2>&1 &
	sleeper=$!
	trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
	wait "$sleeper"
	trap - TERM
	bus_dump "$main" "$self" >&2
	: >"$WORK/watchdog.fired"
	for p in $(bus_descendants "$main" | tac); do
		[ "$p" = "$self" ] || kill "$p" 2>/dev/null
	done
	kill "$main" 2>/dev/null
	sleep 3
	for p in $(bus_descendants "$main"); do
		[ "$p" = "$self" ] || kill -KILL "$p" 2>/dev/null
	done
}

if [ "${BUS_WATCHDOG_SEC:-0}" -gt 0 ]; then
	# The step: each command at the test script's top level (a DEBUG trap
	# without functrace does not run inside functions), one builtin write.
	trap '[[ $BASH_COMMAND == bus_exit* ]] ||
		printf "%s:%s: %s\n" "${BASH_SOURCE[0]##*/}" "$LINENO" "$BASH_COMMAND" >"$BUS_STEP"' DEBUG
	bus_watchdog "$$" &
	BUS_WATCHDOG_PID=$!
fi

TOP_SRCDIR=$(cd "$BUS_SRCDIR/../.." && pwd)
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$WORK/system_bus_socket"
export TDXCTL_SYSFS_ROOT="$WORK/sys"
export TDXD_LOG_STDERR=1
BUSCTL=(busctl --system)
DEST=(org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager)

start_bus() {
	cat >"$WORK/bus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$WORK/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <policy context="mandatory">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>$TOP_SRCDIR/systemd/org.tdxctl.tdx1.conf</include>
</busconfig>
EOC
	dbus-daemon --config-file="$WORK/bus.conf" --nofork --nopidfile 2>"$WORK/dbus.log" &
	PIDS+=($!)
	wait_for 50 test -S "$WORK/system_bus_socket" || { echo "dbus-daemon did not start"; exit 1; }
}

# wait_for TENTHS CMD...: retries CMD every 0.1 s.
wait_for() {
	local n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# write_conf [extra ini lines...]: tdxd.conf pointing at $WORK.
write_conf() {
	{
		printf '[Store]\nPath=%s\n' "$WORK/store"
		printf '[Hooks]\nDirectory=%s\nTimeoutSec=5\n' "$WORK/hooks"
		printf '[Daemon]\nStateDirectory=%s\n' "$WORK/state"
		printf '[Update]\nTrustedSigningKeys=%s\n' "$TEST_KEY_SHA256"
		local l
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$WORK/tdxd.conf"
}

TDXD_PID=
start_tdxd() {
	"$TDXD" --config="$WORK/tdxd.conf" >>"$WORK/tdxd.log" 2>&1 &
	TDXD_PID=$!
	PIDS+=("$TDXD_PID")
	wait_for 100 "${BUSCTL[@]}" call org.tdxctl.tdx1 /org/tdxctl/tdx1 \
		org.freedesktop.DBus.Peer Ping || { cat "$WORK/tdxd.log"; echo "tdxd did not start"; exit 1; }
}

stop_tdxd() {
	[ -n "$TDXD_PID" ] || return 0
	kill "$TDXD_PID" 2>/dev/null
	wait "$TDXD_PID" 2>/dev/null
	TDXD_PID=
}

# Stops tdxd (ASan reports leaks at exit) and fails on any sanitizer report.
bus_finish() {
	stop_tdxd
	expect_no_grep "$WORK/tdxd.log" 'Sanitizer|runtime error' "tdxd log"
	finish
}

# A mainline host running 1.5.06 and a store with 1.5.06, 1.5.08, 1.5.10
# (cli-mkstore SPECs in BUS_STORE_SPECS, e.g. "1.5.08,pages=256" for a big one).
standard_setup() {
	local specs
	read -ra specs <<<"${BUS_STORE_SPECS:-1.5.06 1.5.08 1.5.10}"
	make_sysfs "$WORK/sys"
	"$CLI_MKSTORE" "$WORK/store" "${specs[@]}" >/dev/null || exit 1
	mkdir -p "$WORK/hooks/pre-update.d" "$WORK/hooks/post-update.d"
	start_bus
	write_conf "$@"
	start_tdxd
}

# start_fake_kernel success VERSION | refuse | fatal: the kernel side of every
# upload to $WORK/sys until killed (tests/common/fake-kernel --repeat).
start_fake_kernel() {
	local step
	case $1 in
	success) step=version=$2 ;;
	refuse) step=refuse ;;
	fatal) step=lost ;;
	*) echo "start_fake_kernel: unknown outcome $1" >&2; exit 99 ;;
	esac
	spawn_fake_kernel "$WORK/fake-kernel.log" --log "$WORK" --repeat "$WORK/sys" "$step"
	PIDS+=("$FAKE_KERNEL_PID")
}

# prop NAME: the property value as busctl prints it (type prefix removed).
prop() {
	"${BUSCTL[@]}" get-property "${DEST[@]}" "$1" | sed -E 's/^[a-z()]+ //'
}

expect_prop() {
	local got
	CHECKS=$((CHECKS + 1))
	got=$(prop "$1")
	[ "$got" = "$2" ] || fail "property $1 is '$got', expected '$2'"
}

# tdxctl_to NAME ARGS...: runs tdxctl, stdout/stderr/exit code in $WORK/NAME.{out,err,rc}.
tdxctl_to() {
	local name=$1
	shift
	"$TDXCTL" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
	echo $? >"$WORK/$name.rc"
}

# call [busctl call args after the interface...]: sets $RC, $OUT, $ERR.
call() {
	"${BUSCTL[@]}" call "${DEST[@]}" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# as_nobody CMD...: runs CMD with uid/gid nobody.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# wait_job PATH: until State is finished; prints Result.
wait_job() {
	local n=100 state
	while [ $n -gt 0 ]; do
		state=$("${BUSCTL[@]}" get-property org.tdxctl.tdx1 "$1" org.tdxctl.tdx1.Job State 2>/dev/null)
		[ "$state" = 's "finished"' ] && break
		sleep 0.1
		n=$((n - 1))
	done
	"${BUSCTL[@]}" get-property org.tdxctl.tdx1 "$1" org.tdxctl.tdx1.Job Result | sed -E 's/^s //; s/"//g'
}

# expect_job PATH RESULT [what]: waits for the job and checks its Result.
expect_job() {
	local got
	CHECKS=$((CHECKS + 1))
	got=$(wait_job "$1")
	[ "$got" = "$2" ] || fail "${3:-job} result '$got', expected '$2': $(job_prop "$1" Error)"
}

job_prop() {
	"${BUSCTL[@]}" get-property org.tdxctl.tdx1 "$1" org.tdxctl.tdx1.Job "$2" | sed -E 's/^[a-z]+ //; s/"//g'
}

# update TARGET [options...]: calls Update and prints the job path.
start_update() {
	local target=$1
	shift
	[ $# -gt 0 ] || set -- 0
	"${BUSCTL[@]}" call "${DEST[@]}" Update "sa{sv}" "$target" "$@" 2>"$ERR" | sed -E 's/^o "(.*)"$/\1/'
}
