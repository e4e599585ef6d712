#!/bin/bash
# update on a terminal (script(1) gives it a pty): the question, the answer,
# the progress bar. Off a terminal: no question, no bar.
. "$(dirname "$0")/lib.sh"
trap 'fake_kernel_stop; rm -rf "$WORK"' EXIT

# 40 pages: larger than a pipe, for fake-kernel.
"$CLI_MKSTORE" "$WORK/store" 1.5.06,pages=40 1.5.08,pages=40 || exit 1
make_sysfs "$WORK/sys"
export TDXCTL_STORE=$WORK/store TDXCTL_SYSFS_ROOT=$WORK/sys
DATA=$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data

# on_tty ANSWER ARGS...: runs tdxctl on a pty, typing ANSWER once it asks.
on_tty() {
	local answer=$1; shift
	(sleep 1; echo "$answer") | script -qec "$(printf '%q ' "$TDXCTL" --direct "$@")" /dev/null >"$OUT" 2>&1
	RC=$?
}

on_tty n update
expect_rc 1 "update answered no"
expect_grep "$OUT" 'Install 1\.5\.06 -> 1\.5\.08 \(1 update\)\? \[y/N\]'
expect_grep "$OUT" 'update cancelled'
CHECKS=$((CHECKS + 1))
[ ! -s "$DATA" ] || fail "answering no wrote $(stat -c %s "$DATA") bytes"

on_tty y update
# The fixture keeps its version, so the "kernel" refused: exit 1 after the upload.
expect_rc 1 "update answered yes"
expect_grep "$OUT" '\[#+\] 168/168 KiB'
expect_grep "$OUT" 'installing, [0-9.]+ s'
expect_grep "$OUT" '1\.5\.06 -> 1\.5\.08: refused'
CHECKS=$((CHECKS + 1))
[ "$(stat -c %s "$DATA")" -eq $((42 * 4096)) ] || fail "answering yes did not write the image"

# A long install: the spinner and its clock keep moving while the engine polls.
make_sysfs "$WORK/slow"
fake_kernel "$WORK/slow" hang
on_tty y update --timeout=2 --sysfs-root "$WORK/slow"
fake_kernel_wait
expect_rc 5 "update that times out on a terminal"
expect_grep "$OUT" 'installing, 1\.[0-9] s'
expect_grep "$OUT" 'did not finish within 2 s'

# Off a terminal with --yes: one line per hop, no bar, no question.
: >"$DATA"
run update --yes
expect_rc 1 "update --yes off a terminal"
expect_grep "$OUT" '^1\.5\.06 -> 1\.5\.08: refused'
expect_no_grep "$ERR" 'KiB|installing|\[y/N\]'

finish
