#!/bin/bash
# The one sysfs fixture (fake-kernel --make-sysfs over tests/common/fixture.c):
# the modes and contents the kernel shows (kernel-abi research notes: tdx-host.c
# and firmware_loader/sysfs_upload.c), --set keeping them, and a bad word
# refused with one line and exit 2.
. "$(dirname "$0")/lib.sh"

# expect_attr FILE MODE CONTENT: CONTENT as printf %b reads it.
expect_attr() {
	local got
	CHECKS=$((CHECKS + 1))
	got=$(stat -c %a "$1")
	[ "$got" = "$2" ] || fail "${1#"$WORK"/} has mode $got, expected $2"
	CHECKS=$((CHECKS + 1))
	cmp -s "$1" <(printf '%b' "$3") || fail "${1#"$WORK"/} reads $(od -An -c "$1"), expected '$3'"
}

make_sysfs "$WORK/m"
H=$WORK/m/devices/faux/tdx_host
F=$H/firmware/tdx_module
expect_attr "$H/version" 444 '1.5.06\n'
expect_attr "$H/seamldr_version" 400 '1.5.02\n'
expect_attr "$H/num_remaining_updates" 400 '10\n'
expect_attr "$WORK/m/devices/system/cpu/online" 444 '0-1\n'
expect_attr "$WORK/m/devices/system/cpu/present" 444 '0-1\n'
expect_attr "$F/status" 444 'idle\n'
expect_attr "$F/error" 444 ''
expect_attr "$F/remaining_size" 444 '0\n'
expect_attr "$F/loading" 644 '0\n'
expect_attr "$F/data" 644 ''
expect_attr "$F/cancel" 200 ''
CHECKS=$((CHECKS + 1))
[ "$(readlink -f "$WORK/m/class/firmware/tdx_module")" = "$(readlink -f "$F")" ] ||
	fail "class/firmware/tdx_module does not lead to $F"

# The patch-series layout: the P-SEAMLDR attributes in seamldr/, 0400 too.
make_sysfs "$WORK/v4" layout=seamldr-dir remaining=3 seamldr=garbage
expect_attr "$WORK/v4/devices/faux/tdx_host/seamldr/version" 400 'garbage\n'
expect_attr "$WORK/v4/devices/faux/tdx_host/seamldr/num_remaining_updates" 400 '3\n'

# --set changes values, never modes; a lost version is readable again after it.
"$FAKE_KERNEL" --now "$WORK/m" lost || fail "--now lost"
set_sysfs "$WORK/m" version=1.5.08 remaining=7
expect_attr "$H/version" 444 '1.5.08\n'
expect_attr "$H/num_remaining_updates" 400 '7\n'
# An upload's outcome (fake_kernel's steps) keeps the modes too.
"$FAKE_KERNEL" --now "$WORK/m" version=1.5.10+refuse || fail "--now version=1.5.10+refuse"
expect_attr "$H/num_remaining_updates" 400 '6\n'
expect_attr "$F/error" 444 'transferring:firmware-invalid\n'
set_sysfs "$WORK/m" hidden
CHECKS=$((CHECKS + 1))
[ ! -e "$H/seamldr_version" ] && [ ! -e "$F" ] && [ ! -e "$WORK/m/class/firmware/tdx_module" ] ||
	fail "hidden left update attributes: $(find "$H" "$WORK/m/class" | tr '\n' ' ')"

# A bad word: one line naming it, exit 2, no tree.
for args in "--make-sysfs $WORK/bad remaining" "--make-sysfs $WORK/bad colour=red" \
	"--make-sysfs $WORK/bad layout=v9" "--set $WORK/m layout=mainline"; do
	# shellcheck disable=SC2086 # args are words
	"$FAKE_KERNEL" $args >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc 2 "fake-kernel $args"
	expect_one_error_line
	expect_grep "$ERR" '^fake-kernel: --(make-sysfs|set): ' "stderr of fake-kernel $args"
done
CHECKS=$((CHECKS + 1))
[ ! -e "$WORK/bad" ] || fail "a bad word still made $WORK/bad"

# An upload after an aborted one: the engine writes loading without O_TRUNC,
# so "1" then "0" over an abort's "-1" read "11" and "01". The fake goes by
# the first character, as the kernel parses each write afresh; it once waited
# for "0" for ever and the update timed out (bus-route's hang).
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 >/dev/null || exit 99
make_sysfs "$WORK/abort"
printf -- '-1' >"$WORK/abort/devices/faux/tdx_host/firmware/tdx_module/loading"
fake_kernel "$WORK/abort" refuse
run --sysfs-root "$WORK/abort" --store "$WORK/store" update --yes --timeout=5 1.5.08
fake_kernel_stop # not _wait: a fake that missed loading=0 would wait for ever
expect_rc 1 "update after an aborted upload"
expect_grep "$OUT" 'refused .*error "transferring:firmware-invalid"'
expect_attr "$WORK/abort/devices/faux/tdx_host/firmware/tdx_module/loading" 644 '0\n'

finish
