#!/bin/bash
# Golden output of status and list, byte for byte: plain text when stdout is
# not a terminal, although TERM names a colour terminal and NO_COLOR is unset.
# The store path is written as @STORE@ in the golden files (golden/).
. "$(dirname "$0")/lib.sh"
GOLDEN=$(dirname "$0")/golden

"$CLI_MKSTORE" "$WORK/store" 1.5.04 1.5.06 1.5.08 || exit 1
make_sysfs "$WORK/sys"
export TDXCTL_STORE=$WORK/store TDXCTL_SYSFS_ROOT=$WORK/sys TERM=xterm-256color
unset NO_COLOR

for verb in status list; do
	run $verb
	expect_rc 0 "$verb"
	CHECKS=$((CHECKS + 1))
	sed "s|$WORK/store|@STORE@|g" "$OUT" >"$WORK/$verb.txt"
	cmp -s "$GOLDEN/$verb.txt" "$WORK/$verb.txt" ||
		fail "$verb differs from $GOLDEN/$verb.txt: $(diff "$GOLDEN/$verb.txt" "$WORK/$verb.txt" | cat -v)"
done

finish
