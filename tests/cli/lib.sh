# Shared helpers for the tdxctl CLI tests (sourced). Each test script runs in
# its own temporary directory, builds sysfs fixture trees with mkdir + echo
# and synthetic stores with cli-mkstore, runs tdxctl and asserts its exit
# code, stdout, stderr and JSON fields.
set -uo pipefail

: "${TDXCTL:?TDXCTL must point at the tdxctl binary}"
: "${CLI_MKSTORE:?CLI_MKSTORE must point at cli-mkstore}"
: "${TDX_MKMODULE:?TDX_MKMODULE must point at tdx-mkmodule}"

WORK=$(mktemp -d /tmp/tdxctl-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export TDXCTL_LOCK_PATH="$WORK/update.lock"
# Tests never depend on the machine: no real sysfs, store or CPU.
unset TDXCTL_SYSFS_ROOT TDXCTL_STORE
export TDXCTL_CPU_SIGNATURE=0x806f8
# Synthetic modules are signed with the test key (tests/common/synth-sign.c):
# trust it, and only it, as a site would trust its own key.
TEST_KEY_SHA256=$("$TDX_MKMODULE" --key-fingerprint) || exit 99
INTEL_KEY_SHA256=c821f41f83e0dc73e272852ffc176bcd9ae1e93a4fccec88772c9b4ff2eaa75f
export TDXCTL_TRUSTED_SIGNING_KEYS=$TEST_KEY_SHA256

FAILS=0
CHECKS=0

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

# make_sysfs ROOT [key=value...]: a mainline tdx_host tree.
# keys: version seamldr remaining online present status layout(mainline|seamldr-dir)
make_sysfs() {
	local root=$1; shift
	local version=1.5.06 seamldr=1.5.02 remaining=10 online=0-1 present=0-1 status=idle
	local layout=mainline kv
	for kv in "$@"; do
		case $kv in
		version=*) version=${kv#*=} ;;
		seamldr=*) seamldr=${kv#*=} ;;
		remaining=*) remaining=${kv#*=} ;;
		online=*) online=${kv#*=} ;;
		present=*) present=${kv#*=} ;;
		status=*) status=${kv#*=} ;;
		layout=*) layout=${kv#*=} ;;
		*) echo "make_sysfs: bad key $kv" >&2; exit 99 ;;
		esac
	done
	local host=$root/devices/faux/tdx_host fw
	mkdir -p "$host" "$root/devices/system/cpu" "$root/class/firmware"
	echo "$version" >"$host/version"
	if [ "$layout" = seamldr-dir ]; then
		mkdir -p "$host/seamldr"
		echo "$seamldr" >"$host/seamldr/version"
		echo "$remaining" >"$host/seamldr/num_remaining_updates"
	else
		echo "$seamldr" >"$host/seamldr_version"
		echo "$remaining" >"$host/num_remaining_updates"
	fi
	fw=$host/firmware/tdx_module
	mkdir -p "$fw"
	echo "$status" >"$fw/status"
	: >"$fw/error"
	: >"$fw/loading"
	: >"$fw/data"
	echo 0 >"$fw/remaining_size"
	: >"$fw/cancel"
	ln -s ../../devices/faux/tdx_host/firmware/tdx_module "$root/class/firmware/tdx_module"
	echo "$online" >"$root/devices/system/cpu/online"
	echo "$present" >"$root/devices/system/cpu/present"
}

# run ARGS...: runs tdxctl, sets $RC, $OUT (stdout file), $ERR (stderr file).
OUT=$WORK/stdout
ERR=$WORK/stderr
# In-process by default: these tests are about the library and the printers;
# tests/bus (which empties TDXCTL_ARGS) runs the same verbs through tdxd. No
# system bus either, so nothing of the machine leaks in.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus
TDXCTL_ARGS=(--direct)
run() {
	flush_json
	"$TDXCTL" "${TDXCTL_ARGS[@]}" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

expect_rc() {
	CHECKS=$((CHECKS + 1))
	[ "$RC" -eq "$1" ] || fail "${2:-tdxctl} exited $RC, expected $1; stderr: $(head -c 600 "$ERR")"
}

# expect_grep FILE REGEX [what]
expect_grep() {
	CHECKS=$((CHECKS + 1))
	grep -Eq -- "$2" "$1" || fail "${3:-output} lacks /$2/: $(head -c 600 "$1")"
}

expect_no_grep() {
	CHECKS=$((CHECKS + 1))
	! grep -Eq -- "$2" "$1" || fail "${3:-output} has /$2/: $(head -c 600 "$1")"
}

expect_empty() {
	CHECKS=$((CHECKS + 1))
	[ ! -s "$1" ] || fail "${2:-$1} is not empty: $(head -c 300 "$1")"
}

# The system interpreter: a version manager's shim costs seconds per start.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

# expect_json EXPR VALUE: str(eval(EXPR)) over the stdout JSON document `j`
# must equal VALUE. Checks are queued and run in one interpreter per output
# (flush_json, called by run and finish).
JSON_ARGS=()
expect_json() {
	JSON_ARGS+=("$1" "$2")
}

flush_json() {
	local n=$((${#JSON_ARGS[@]} / 2)) failed
	[ "$n" -gt 0 ] || return 0
	CHECKS=$((CHECKS + n))
	failed=$("$PYTHON" - "$OUT" "${JSON_ARGS[@]}" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"FAIL: stdout is not one JSON document ({e})")
    sys.exit(0)
args = sys.argv[2:]
for expr, want in zip(args[0::2], args[1::2]):
    try:
        got = str(eval(expr))
    except Exception as e:
        got = f"<{type(e).__name__}: {e}>"
    if got != want:
        print(f"FAIL: JSON {expr} is '{got}', expected '{want}'")
PY
)
	JSON_ARGS=()
	if [ -n "$failed" ]; then
		echo "$failed" >&2
		FAILS=$((FAILS + $(grep -c '^FAIL' <<<"$failed")))
	fi
}

# tamper_signed IMAGE: one signed sigstruct byte flipped, checksum re-fixed
# (tests/common/tamper-signed.py): only the RSA signature can tell.
tamper_signed() {
	"$PYTHON" "$(dirname "${BASH_SOURCE[0]}")/../common/tamper-signed.py" "$1"
}

# stderr must be exactly one line (the one clear error).
expect_one_error_line() {
	CHECKS=$((CHECKS + 1))
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "expected one stderr line, got: $(cat "$ERR")"
}

finish() {
	flush_json
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS of $CHECKS checks failed"
		exit 1
	fi
	echo "$CHECKS checks passed"
	exit 0
}

# fake_kernel ROOT STEP...: turns ROOT's fw_upload `data` into a FIFO served
# by fake-kernel.py, which applies one STEP per upload (see there). Upload
# N's bytes land in $WORK/upload.N.
FAKE_KERNEL_PID=
fake_kernel() {
	local root=$1; shift
	local data=$root/devices/faux/tdx_host/firmware/tdx_module/data
	rm -f "$data" "$WORK"/upload.* "$WORK/uploads.log"
	mkfifo "$data"
	"$PYTHON" "$(dirname "${BASH_SOURCE[0]}")/fake-kernel.py" "$root" "$WORK" "$@" &
	FAKE_KERNEL_PID=$!
}

# Waits for the fake kernel to finish its steps (it writes upload.N last).
fake_kernel_wait() {
	wait "$FAKE_KERNEL_PID"
	FAKE_KERNEL_PID=
}

# Stops the fake kernel if it still waits for an upload.
fake_kernel_stop() {
	[ -n "$FAKE_KERNEL_PID" ] || return 0
	kill "$FAKE_KERNEL_PID" 2>/dev/null
	wait "$FAKE_KERNEL_PID" 2>/dev/null
	FAKE_KERNEL_PID=
}
