#!/bin/bash
# update outcomes against a fake kernel (lib.sh fake_kernel): success over
# one and two hops, a lost module (exit 4, never continued), a timeout (exit 5).
. "$(dirname "$0")/lib.sh"
trap 'fake_kernel_stop; rm -rf "$WORK"' EXIT

# 40 pages: larger than a pipe, see tests/common/fake-kernel.c.
"$CLI_MKSTORE" "$WORK/store" --format=0x100 1.5.06,pages=40 1.5.10,pages=40 \
	1.5.20,min=1.5.10,pages=40 || exit 1
export TDXCTL_STORE=$WORK/store
host() { echo "$WORK/$1/devices/faux/tdx_host"; }

# One hop, success: the new version runs, one slot used, the bytes are the image.
make_sysfs "$WORK/one"
fake_kernel "$WORK/one" version=1.5.10
run update 1.5.10 --yes --sysfs-root "$WORK/one"
fake_kernel_wait
expect_rc 0 "one-hop update"
expect_grep "$OUT" '^1\.5\.06 -> 1\.5\.10: success \(write [0-9.]+ s, install [0-9.]+ s\), 9 updates left$'
expect_grep "$OUT" '^Installed 1\.5\.10 \(1 update\)\.$'
expect_empty "$ERR" "stderr of a successful update"
"$TDXCTL" blob convert --format=0x200 "$WORK/store/joined_files/1.5/tdx_module_1.5.10.blob" \
	"$WORK/expected.blob" 2>/dev/null
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/expected.blob" "$WORK/upload.1" ||
	fail "the bytes written are not the 0x200 image of 1.5.10"
expect_grep "$(host one)/firmware/tdx_module/loading" '^0$'

# Ctrl-C, SIGTERM and SIGHUP during the upload do not stop it half-way.
make_sysfs "$WORK/sig"
fake_kernel "$WORK/sig" signal+version=1.5.10
run update 1.5.10 --yes --sysfs-root "$WORK/sig"
fake_kernel_wait
expect_rc 0 "update signalled during the upload"
expect_grep "$OUT" '^1\.5\.06 -> 1\.5\.10: success'
expect_grep "$WORK/uploads.log" '^signalled 1$'

# Two hops, JSON: both succeed, remaining counts down.
make_sysfs "$WORK/two"
fake_kernel "$WORK/two" version=1.5.10 version=1.5.20
run update --yes --json --sysfs-root "$WORK/two"
fake_kernel_wait
expect_rc 0 "two-hop update"
expect_json '.result' success
expect_json '[.hops[] | [.from, .to, .outcome]]' '[["1.5.06","1.5.10","success"],["1.5.10","1.5.20","success"]]'
expect_json '[.hops[].remaining_after]' '[9,8]'
expect_json '.hops[1].version_after' 1.5.20

# Lost module on the first of two hops: exit 4, a loud warning, no second hop.
make_sysfs "$WORK/lost"
fake_kernel "$WORK/lost" lost version=1.5.20
run update --yes --json --sysfs-root "$WORK/lost"
fake_kernel_stop # it still waits for the second hop, which must never come
expect_rc 4 "update that loses the module"
expect_json '.result' fatal
expect_json '.hops | length' 1
expect_json '.hops[0].outcome' fatal
expect_grep "$ERR" 'FATAL: the TDX module was lost'
expect_grep "$ERR" 'REBOOTED'
CHECKS=$((CHECKS + 1))
[ "$(cat "$WORK/uploads.log")" = "1 lost" ] ||
	fail "uploads after the module was lost: $(cat "$WORK/uploads.log")"

# Even with stdout closed (nothing can be printed there), a loss exits 4.
make_sysfs "$WORK/lost2"
fake_kernel "$WORK/lost2" lost
"$TDXCTL" --direct update 1.5.10 --yes --sysfs-root "$WORK/lost2" >&- 2>"$ERR" </dev/null
RC=$?
fake_kernel_wait
expect_rc 4 "loss with stdout closed"
expect_grep "$ERR" 'FATAL'

# The upload never finishes: exit 5, state unknown.
make_sysfs "$WORK/hang"
fake_kernel "$WORK/hang" hang
run update 1.5.10 --yes --timeout=1 --sysfs-root "$WORK/hang"
fake_kernel_wait
expect_rc 5 "update that times out"
expect_grep "$OUT" '1\.5\.06 -> 1\.5\.10: timeout'
expect_grep "$ERR" 'did not finish within 1 s; the module state is unknown'

finish
