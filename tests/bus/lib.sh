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
bus_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap bus_cleanup EXIT
# A non-root caller must be able to reach the bus socket.
chmod 755 "$WORK"

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

# A mainline host running 1.5.06 and a store with 1.5.06, 1.5.08, 1.5.10.
standard_setup() {
	make_sysfs "$WORK/sys"
	"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 1.5.10 >/dev/null || exit 1
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
	"$FAKE_KERNEL" --repeat "$WORK/sys" "$step" >"$WORK/fake-kernel.log" 2>&1 &
	PIDS+=($!)
	wait_for 50 grep -q ready "$WORK/fake-kernel.log"
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
