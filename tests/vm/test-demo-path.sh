#!/bin/bash
# tools/demo.sh from a checkout whose path has a space, under /tmp (issue 14:
# the guest has its own /tmp, so such a checkout was invisible and the demo
# printed "command not found" four times and still said "demo: done").
# Copies the tracked files to "/tmp/tdxctl demo.XXXXXX/check out", runs the
# demo there (its own build dir inside), and checks that every step ran and
# exited 0, and that the demo says so.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "/tmp/tdxctl demo.XXXXXX")
src="$work/check out"
cleanup() {
	local k
	# The module of a build dir with spaces is built in the cache (vm-lib.sh).
	for k in "$src"/build-demo/vm/kmod-*; do
		[ -L "$k" ] && rm -rf "$(readlink -f "$k")"
	done
	rm -rf "$work"
}
trap cleanup EXIT
"$top/tools/copy-tracked.sh" "$src"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
"$src/tools/demo.sh" --no-deps >"$work/out" 2>&1
rc=$?
cat "$work/out"
[ $rc = 0 ] || fail "demo exited $rc"
n=$(grep -c '^\[exit 0\]' "$work/out")
[ "$n" = 4 ] || fail "$n of 4 steps exited 0"
grep -q 'command not found' "$work/out" && fail "the guest did not find a command"
grep -q '^demo: done in' "$work/out" || fail "no 'demo: done' line"
grep -q 'Module: 1\.5\.20 ' "$work/out" || fail "status after the update does not show 1.5.20"
echo "demo-path: $fails failed"
[ $fails = 0 ]
