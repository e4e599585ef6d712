#!/bin/bash
# The C example of tdxctl-vmm(7) compiles as printed (-Wall -Werror, sd-bus).
set -u
PAGE=${PAGE:-$(dirname "$0")/../../man/tdxctl-vmm.7.scd}
CC=${CC:-cc}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# the first ``` block after the C example's heading
awk '/^Hold for a TD build from C/ {want = 1; next}
     want && /^```$/ {if (inside) exit; inside = 1; next}
     inside {print}' "$PAGE" | sed 's/\\\\/\\/g' >"$WORK/example.c"
grep -q 'HoldInhibitor' "$WORK/example.c" || { echo "FAIL: no C example found in $PAGE"; exit 1; }
# shellcheck disable=SC2046
if ! "$CC" -std=gnu11 -Wall -Wextra -Werror -Wno-unused-function -c "$WORK/example.c" \
	-o "$WORK/example.o" $(pkg-config --cflags libsystemd); then
	echo "FAIL: the C example of tdxctl-vmm(7) does not compile"
	exit 1
fi
echo "1 checks passed"
