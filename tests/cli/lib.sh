# Shared helpers for the tdxctl CLI tests (sourced). Each test script runs in
# its own temporary directory, builds sysfs fixture trees with fake-kernel
# --make-sysfs and synthetic stores with cli-mkstore, runs tdxctl and asserts its exit
# code, stdout, stderr and JSON fields.
set -uo pipefail

: "${TDXCTL:?TDXCTL must point at the tdxctl binary}"
: "${CLI_MKSTORE:?CLI_MKSTORE must point at cli-mkstore}"
: "${TDX_MKMODULE:?TDX_MKMODULE must point at tdx-mkmodule}"
: "${FAKE_KERNEL:?FAKE_KERNEL must point at tests/common/fake-kernel}"

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

# make_sysfs ROOT [WORD...]: a tdx_host tree as the kernel shows it, the same
# tree the unit tests get (tests/common/fake-kernel --make-sysfs, whose header
# lists the WORDs: version=, seamldr=, remaining=, online=, present=, status=,
# layout=, hidden, lost, ...).
make_sysfs() { "$FAKE_KERNEL" --make-sysfs "$@" || exit 99; }

# set_sysfs ROOT WORD...: changes attributes of an existing tree, as a reboot
# or another tool would (fake-kernel --set; an upload's outcome is fake_kernel's).
set_sysfs() { "$FAKE_KERNEL" --set "$@" || exit 99; }

# expect_fw_untouched FWDIR WHAT: nothing reached fw_upload: data is empty and
# loading holds the fixture's "0\n" (a write of 1 leaves "1\n", of -1 "-1";
# 1 then 0 with no data between is a no-op for the kernel too).
expect_fw_untouched() {
	CHECKS=$((CHECKS + 1))
	[ ! -s "$1/data" ] && [ "$(od -An -c "$1/loading" | tr -d ' ')" = '0\n' ] ||
		fail "$2: something was written to $1: data $(stat -c %s "$1/data") bytes, loading '$(cat "$1/loading")'"
}

# make_strict_store DIR: a store of 1.5.06 and 1.5.08 whose mapping (DIR.json)
# lists 1.5.04 as the only version 1.5.08 is strictly compatible with, for
# --strict-compat and tdxd.conf's StrictCompat=.
make_strict_store() {
	cat >"$1.json" <<'JSON'
{ "tdx_module_releases": [
  { "version": "1.5.06", "min_module_version_for_td_preserving": "1.5.01",
    "min_seamldr_versions": ["1.5.00"] },
  { "version": "1.5.08", "min_module_version_for_td_preserving": "1.5.01",
    "min_seamldr_versions": ["1.5.00"], "strict_compat_versions": ["1.5.04"] } ] }
JSON
	"$CLI_MKSTORE" "$1" --mapping="$1.json" 1.5.06 1.5.08
}

# run ARGS...: runs tdxctl, sets $RC, $OUT (stdout file), $ERR (stderr file).
OUT=$WORK/stdout
ERR=$WORK/stderr
# In-process by default: these tests are about the library and the printers;
# tests/bus (which empties TDXCTL_ARGS) runs the same verbs through tdxd. No
# system bus either, so nothing of the machine leaks in.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus
# Nor the machine's /etc/tdxd/tdxd.conf: --direct applies its site rules.
export TDXD_CONFIG=${TDXD_CONFIG:-$WORK/tdxd.conf}
TDXCTL_ARGS=(--direct)
run() {
	"$TDXCTL" "${TDXCTL_ARGS[@]}" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

expect_rc() {
	CHECKS=$((CHECKS + 1))
	[ "$RC" -eq "$1" ] || fail "${2:-tdxctl} exited $RC, expected $1; stderr: $(head -c 600 "$ERR")"
}

# no_dashdash HELPER FILE REGEX...: a "--" where the REGEX belongs is a
# mistake in the test, reported as a failure rather than matched.
no_dashdash() {
	[ "$3" != -- ] && return 0
	fail "$1 $2 -- ...: the REGEX comes right after the FILE, without --"
	return 1
}

# expect_grep FILE REGEX [what]. Not FILE -- REGEX: that would grep for "--".
expect_grep() {
	CHECKS=$((CHECKS + 1))
	no_dashdash expect_grep "$@" || return
	grep -Eq -- "$2" "$1" || fail "${3:-output} lacks /$2/: $(head -c 600 "$1")"
}

expect_no_grep() {
	CHECKS=$((CHECKS + 1))
	no_dashdash expect_no_grep "$@" || return
	! grep -Eq -- "$2" "$1" || fail "${3:-output} has /$2/: $(head -c 600 "$1")"
}

expect_empty() {
	CHECKS=$((CHECKS + 1))
	[ ! -s "$1" ] || fail "${2:-$1} is not empty: $(head -c 300 "$1")"
}

# The system interpreter (tamper-signed.py): a version manager's shim costs
# seconds per start.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

# expect_json FILTER VALUE: jq's FILTER over the stdout JSON document must
# print VALUE: a string as it is, anything else as compact JSON (true, null,
# 9, ["a","b"]). stdout must hold exactly one JSON document.
expect_json() {
	local got
	CHECKS=$((CHECKS + 1))
	if ! got=$(jq -src "if length == 1 then .[0] | ($1) else error(\"stdout holds \(length) JSON documents, not one\") end" \
		"$OUT" 2>&1); then
		fail "JSON $1: ${got:-jq failed}; stdout: $(head -c 300 "$OUT")"
	elif [ "$got" != "$2" ]; then
		fail "JSON $1 is '$got', expected '$2'"
	fi
}

# expect_valid_json WHAT FILE: FILE is one JSON document in valid UTF-8 (jq
# alone would accept invalid UTF-8, replacing it).
expect_valid_json() {
	CHECKS=$((CHECKS + 1))
	if ! iconv -f UTF-8 -t UTF-8 "$2" >/dev/null 2>"$WORK/json.err"; then
		fail "$1: not UTF-8: $(tail -1 "$WORK/json.err")"
	elif ! jq -se 'length == 1' "$2" >/dev/null 2>"$WORK/json.err"; then
		fail "$1: not one JSON document: $(tail -1 "$WORK/json.err")"
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
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS of $CHECKS checks failed"
		exit 1
	fi
	echo "$CHECKS checks passed"
	exit 0
}

# fake_kernel ROOT STEP...: turns ROOT's fw_upload `data` into a FIFO served
# by tests/common/fake-kernel, which plays one STEP per upload (see there)
# and exits after the last. Upload N's bytes land in $WORK/upload.N, a line
# per upload in $WORK/uploads.log.
FAKE_KERNEL_PID=
fake_kernel() {
	local root=$1
	shift
	rm -f "$WORK"/upload.* "$WORK/uploads.log"
	spawn_fake_kernel "$WORK/fake-kernel.log" --log "$WORK" "$root" "$@"
}

# spawn_fake_kernel LOG ARGS...: fake-kernel ARGS in the background, output in
# LOG; returns once it serves its FIFO, with FAKE_KERNEL_PID set. LOG goes
# first: an earlier fake's "ready" in it once let a test upload before the
# FIFO existed (into the plain data file: an update through tdxd "succeeded"
# with no error; or data went missing while the engine wrote loading=-1).
spawn_fake_kernel() {
	local log=$1 n=400
	shift
	rm -f "$log"
	"$FAKE_KERNEL" "$@" >"$log" 2>&1 &
	FAKE_KERNEL_PID=$!
	until grep -qx ready "$log" 2>/dev/null; do
		n=$((n - 1))
		if [ "$n" -le 0 ] || ! kill -0 "$FAKE_KERNEL_PID" 2>/dev/null; then
			echo "fake-kernel $* did not start: $(cat "$log" 2>&1)" >&2
			exit 99
		fi
		sleep 0.05
	done
}

# lose_module ROOT: version reads give ENXIO from now on, as for a lost module.
lose_module() {
	"$FAKE_KERNEL" --now "$1" lost || exit 99
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
