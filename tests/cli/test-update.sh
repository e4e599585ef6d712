#!/bin/bash
# update: nothing reaches the kernel unless every check passed; confirmation;
# dry runs; exit codes. A real upload needs a kernel (the vm suite covers it);
# here the fixture's fw_upload files are plain files.
. "$(dirname "$0")/lib.sh"

"$CLI_MKSTORE" "$WORK/store" --format=0x100 1.5.06 1.5.08 1.5.12,debug || exit 1
export TDXCTL_STORE=$WORK/store

# untouched ROOT: the fixture's data and loading files are as made.
untouched() { expect_fw_untouched "$1/devices/faux/tdx_host/firmware/tdx_module" "$1"; }

make_sysfs "$WORK/ok"
export TDXCTL_SYSFS_ROOT=$WORK/ok

run update --dry-run --json
expect_rc 0 "update --dry-run --json"
expect_json '.dry_run' true
expect_json '.result' checked
expect_json '.plan.to' 1.5.08
expect_json '.hops[0].attempted' false
expect_json '.hops[0].preflight.passed' true
expect_json '[.hops[0].preflight.checks[] | select(.ran and (.passed | not)) | .check]' '[]'
expect_json '[.hops[0].preflight.checks[] | select(.check == "image_signature") | .passed]' '[true]'
untouched "$WORK/ok"

run update --dry-run
expect_rc 0 "update --dry-run"
expect_grep "$OUT" 'ok +cpus_online'
expect_grep "$OUT" 'Dry run: every check passed, nothing was written'
untouched "$WORK/ok"

# No terminal and no --yes: refuse with a usage error naming --yes.
run update
expect_rc 2 "update without --yes off a terminal"
expect_grep "$ERR" '--yes'
expect_one_error_line
untouched "$WORK/ok"

# An offline CPU: refused by pre-flight, nothing written.
make_sysfs "$WORK/offline" online=0 present=0-1
run update --yes --sysfs-root "$WORK/offline"
expect_rc 1 "update with an offline CPU"
expect_grep "$ERR" 'update refused: .*cpus_online'
expect_grep "$ERR" '"0-1"'
untouched "$WORK/offline"
run update --dry-run --json --sysfs-root "$WORK/offline"
expect_rc 1 "dry run with an offline CPU"
expect_json '.result' refused
expect_json '.hops[0].preflight.first_failure' cpus_online
untouched "$WORK/offline"

# No update slots left: refused before anything else.
make_sysfs "$WORK/zero" remaining=0
run update --yes --sysfs-root "$WORK/zero"
expect_rc 1 "update at zero remaining updates"
expect_grep "$ERR" 'num_remaining_updates is 0'
expect_one_error_line
untouched "$WORK/zero"
run update --yes --json --sysfs-root "$WORK/zero"
expect_rc 1 "update --json at zero remaining updates"
expect_json '.result' refused
expect_json '.error | contains("num_remaining_updates is 0")' true
expect_json '.plan' null
make_sysfs "$WORK/one" remaining=1
run update --yes --sysfs-root "$WORK/one"
expect_rc 1 "update when only the reserve is left"
expect_grep "$ERR" 'reserve'
untouched "$WORK/one"

run update --dry-run --json --reserve=0 --sysfs-root "$WORK/one"
expect_rc 0 "dry run with --reserve=0 and one slot"
expect_json '.hops[0].preflight.passed' true

# A patch-series kernel takes 0x100: the 0x100 store image needs no conversion.
make_sysfs "$WORK/v4" layout=seamldr-dir
run update --dry-run --json --sysfs-root "$WORK/v4"
expect_rc 0 "dry run on a seamldr-dir kernel"
expect_json '[.hops[0].preflight.checks[] | select(.check == "image") | .message][0] | endswith("format 0x100")' true
untouched "$WORK/v4"

# Another upload in progress.
make_sysfs "$WORK/busy" status=transferring
run update --yes --sysfs-root "$WORK/busy"
expect_rc 1 "update while fw_upload is busy"
expect_grep "$ERR" 'update refused'
untouched "$WORK/busy"

# Another update holds the lock (until $WORK/release exists): refused at
# once, or waited for with --wait-lock.
flock "$TDXCTL_LOCK_PATH" sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh "$WORK/release" &
HOLDER=$!
while flock -n "$TDXCTL_LOCK_PATH" true; do sleep 0.05; done
run update --dry-run
expect_rc 1 "update while another one holds the lock"
expect_grep "$ERR" 'update refused: lock: .*; pass --wait-lock to wait for it$'
expect_one_error_line
(sleep 1; touch "$WORK/release") &
run update --dry-run --wait-lock
expect_rc 0 "update --wait-lock"
wait "$HOLDER"

# A debug module asked for by name: no plan (3) without --allow-debug.
run update 1.5.12 --yes
expect_rc 3 "update to a debug module"
expect_grep "$ERR" 'no plan'
run update 1.5.12 --yes --json
expect_rc 3 "update --json to a debug module"
expect_json '.result' no-plan
expect_json '.error | contains("debug")' true
untouched "$WORK/ok"

# Already up to date: 0, nothing written.
make_sysfs "$WORK/new" version=1.5.12
run update --yes --allow-debug --sysfs-root "$WORK/new"
expect_rc 0 "update when up to date"
expect_grep "$OUT" 'Already up to date: 1\.5\.12'
untouched "$WORK/new"
run update --yes --json --allow-debug --sysfs-root "$WORK/new"
expect_json '.result' up-to-date

# Unknown target version.
run update 1.5.99 --yes
expect_rc 1 "update to a version not in the store"
untouched "$WORK/ok"

# A plain-file fixture never goes busy and keeps its version: the kernel
# "refused". The bytes written must be exactly the converted image.
run update --yes --json --timeout=5
expect_rc 1 "update against a static fixture"
expect_json '.hops[0].attempted' true
expect_json '.hops[0].outcome' refused
expect_json '.hops[0].converted' true
expect_json '.hops[0].image_format' 0x200
"$TDXCTL" blob convert --format=0x200 "$WORK/store/joined_files/1.5/tdx_module_1.5.08.blob" \
	"$WORK/expected.blob" 2>/dev/null
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/expected.blob" "$WORK/ok/devices/faux/tdx_host/firmware/tdx_module/data" ||
	fail "the bytes written to data are not the 0x200 image of 1.5.08"
CHECKS=$((CHECKS + 1))
[ "$(cat "$WORK/ok/devices/faux/tdx_host/firmware/tdx_module/loading")" = 0 ] ||
	fail "loading does not end at 0"

# A tampered image (one signed byte, checksum re-fixed): refused, nothing written.
"$CLI_MKSTORE" "$WORK/tampered" --format=0x200 1.5.06 1.5.08 || exit 1
tamper_signed "$WORK/tampered/joined_files/1.5/tdx_module_1.5.08.blob"
make_sysfs "$WORK/tsys"
for mode in --yes --dry-run; do
	run --sysfs-root="$WORK/tsys" --store="$WORK/tampered" update 1.5.08 $mode
	expect_rc 3 "update $mode to a tampered image"
	expect_grep "$ERR" 'directly: signature_invalid' "update $mode of a tampered image"
	untouched "$WORK/tsys"
done
# Signed by a key that is not trusted: the same.
run --sysfs-root="$WORK/tsys" --trusted-keys="$INTEL_KEY_SHA256" update 1.5.08 --yes
expect_rc 3 "update to an image signed by an untrusted key"
expect_grep "$ERR" 'directly: untrusted_key'
untouched "$WORK/tsys"

# Runtime update hidden by the kernel (no seamldr attributes, no fw_upload) with
# a newer version in the store: a refusal naming why, never "up to date".
make_sysfs "$WORK/hidden" hidden
for mode in --yes --dry-run; do
	run --sysfs-root="$WORK/hidden" update $mode
	expect_rc 1 "update $mode with runtime update hidden"
	expect_one_error_line
	expect_grep "$ERR" 'update refused: runtime update is unsupported: .*hides' "update $mode"
	expect_no_grep "$OUT" 'up to date' "update $mode stdout"
done
run --sysfs-root="$WORK/hidden" update --yes --json
expect_rc 1 "update --json with runtime update hidden"
expect_json '.result' refused
expect_json '.error | contains("runtime update is unsupported")' true

finish
