#!/bin/bash
# update on a terminal (script(1) gives it a pty): the question, the answer,
# the progress bar. Off a terminal: no question, no bar.
. "$(dirname "$0")/lib.sh"

"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 || exit 1
make_sysfs "$WORK/sys"
export TDXCTL_STORE=$WORK/store TDXCTL_SYSFS_ROOT=$WORK/sys
DATA=$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data

# on_tty ANSWER ARGS...: runs tdxctl on a pty, typing ANSWER once it asks.
on_tty() {
	local answer=$1; shift
	(sleep 1; echo "$answer") | script -qec "$(printf '%q ' "$TDXCTL" "$@")" /dev/null >"$OUT" 2>&1
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
expect_grep "$OUT" '\[#+\] 24/24 KiB'
expect_grep "$OUT" 'installing, [0-9.]+ s'
expect_grep "$OUT" '1\.5\.06 -> 1\.5\.08: refused'
CHECKS=$((CHECKS + 1))
[ "$(stat -c %s "$DATA")" -eq 24576 ] || fail "answering yes did not write the image"

# Off a terminal with --yes: one line per hop, no bar, no question.
: >"$DATA"
run update --yes
expect_rc 1 "update --yes off a terminal"
expect_grep "$OUT" '^1\.5\.06 -> 1\.5\.08: refused'
expect_no_grep "$ERR" 'KiB|installing|\[y/N\]'

finish
