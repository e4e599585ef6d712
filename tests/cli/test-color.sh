#!/bin/bash
# Colour on a terminal (script(1) gives tdxctl a pty): status and list mark
# installable, running and blocked, a lost module and a fatal update are red;
# NO_COLOR, TERM=dumb, --json and a stdout that is not a terminal get none.
. "$(dirname "$0")/lib.sh"
trap 'fake_kernel_stop; rm -rf "$WORK"' EXIT

# 40 pages: larger than a pipe, for fake-kernel.
"$CLI_MKSTORE" "$WORK/store" 1.5.04 1.5.06 1.5.08,pages=40 || exit 1
make_sysfs "$WORK/sys"
export TDXCTL_STORE=$WORK/store TDXCTL_SYSFS_ROOT=$WORK/sys TERM=xterm
unset NO_COLOR
ESC=$'\033'
GREEN="$ESC\[0;32m" HI_GREEN="$ESC\[0;1;32m" HI_RED="$ESC\[0;1;31m"
HI_YELLOW="$ESC\[0;1;33m" GREY="$ESC\[0;38;5;245m" OFF="$ESC\[0m"

# on_tty ARGS...: tdxctl --direct ARGS on a pty (stdout and stderr), into $OUT.
on_tty() {
	script -qec "$(printf '%q ' "$TDXCTL" --direct "$@")" /dev/null </dev/null >"$OUT" 2>&1
	RC=$?
}

on_tty list
expect_rc 0 "list on a terminal"
expect_grep "$OUT" "^  1\.5\.08    ${GREEN}installable${OFF}  svn"
expect_grep "$OUT" "^\* 1\.5\.06    ${HI_GREEN}running${OFF}      svn"
expect_grep "$OUT" "^  1\.5\.04    ${GREY}blocked${OFF}      svn"

on_tty status
expect_rc 0 "status on a terminal"
expect_grep "$OUT" "Module: 1\.5\.06 \(${HI_GREEN}running${OFF}\)"
expect_grep "$OUT" "Best update: ${HI_YELLOW}1\.5\.08${OFF} \(1 update\)"

# A lost module in red.
make_sysfs "$WORK/lost"
lose_module "$WORK/lost"
on_tty status --sysfs-root "$WORK/lost"
expect_grep "$OUT" "Module: ${HI_RED}LOST \(version reads ENXIO.*\)${OFF}"

# A fatal update: the outcome and the warning in red.
make_sysfs "$WORK/fatal"
fake_kernel "$WORK/fatal" lost
on_tty update --yes --sysfs-root "$WORK/fatal"
fake_kernel_wait
CHECKS=$((CHECKS + 1))
[ "$RC" = 4 ] || fail "update that loses the module exited $RC on a terminal, expected 4"
expect_grep "$OUT" "1\.5\.06 -> 1\.5\.08: ${HI_RED}fatal${OFF}"
expect_grep "$OUT" "${HI_RED}tdxctl: \*+"

# No colour: NO_COLOR (any non-empty value), TERM=dumb or unset, --json.
for env in NO_COLOR=1 NO_COLOR=no TERM=dumb "-u TERM"; do
	for verb in list status; do
		on_tty_env() { script -qec "$(printf '%q ' env $env "$TDXCTL" --direct "$@")" /dev/null \
			</dev/null >"$OUT" 2>&1; }
		on_tty_env $verb
		expect_grep "$OUT" 'running' "$verb with $env"
		expect_no_grep "$OUT" "$ESC" "$verb with $env"
	done
done
on_tty list --json
expect_no_grep "$OUT" "$ESC" "list --json on a terminal"
on_tty status --json
expect_no_grep "$OUT" "$ESC" "status --json on a terminal"
# An empty NO_COLOR does not count (no-color.org).
script -qec "$(printf '%q ' env NO_COLOR= "$TDXCTL" --direct list)" /dev/null </dev/null >"$OUT" 2>&1
expect_grep "$OUT" "$GREEN" "list with an empty NO_COLOR"

# stdout not a terminal (a pipe), stderr still one: plain.
script -qec "$(printf '%q ' "$TDXCTL" --direct list) | cat" /dev/null </dev/null >"$OUT" 2>&1
expect_grep "$OUT" 'installable'
expect_no_grep "$OUT" "$ESC" "list into a pipe"
# stderr not a terminal, stdout one: plain too (systemd's rule: both).
script -qec "$(printf '%q ' "$TDXCTL" --direct list) 2>/dev/null" /dev/null </dev/null >"$OUT" 2>&1
expect_grep "$OUT" 'installable'
expect_no_grep "$OUT" "$ESC" "list with stderr off a terminal"

finish
