#!/bin/bash
# list: a verdict per store version with every reason, store problems.
. "$(dirname "$0")/lib.sh"

make_sysfs "$WORK/sys"
"$CLI_MKSTORE" "$WORK/store" 1.4.03 1.5.06 1.5.08 1.5.10,cpu=0xc06f0 1.5.12,debug || exit 1
export TDXCTL_SYSFS_ROOT=$WORK/sys TDXCTL_STORE=$WORK/store

run list --json
expect_rc 0 "list --json"
expect_empty "$ERR" "stderr of list --json"
expect_json '.running' 1.5.06
expect_json '[.candidates[].version]' '["1.5.12","1.5.10","1.5.08","1.5.06","1.4.03"]'
expect_json '.candidates[] | select(.version == "1.5.08") | .installable' true
expect_json 'any(.candidates[1].reasons[]; . == "cpu_unsupported")' true
expect_json '.candidates[0].reasons' '["debug_signed"]'
expect_json '.candidates[0].debug' true
expect_json '.candidates[3].running' true
expect_json 'any(.candidates[3].reasons[]; . == "running")' true
expect_json 'any(.candidates[4].reasons[]; . == "series_mismatch")' true
expect_json '.problems' '[]'
expect_json '.missing_images' '[]'

run list
expect_rc 0 "list"
expect_grep "$OUT" '^\* 1\.5\.06 +running'
expect_grep "$OUT" '^  1\.5\.08 +installable +svn 0x[0-9a-f]{4} +2025-01-01$'
expect_grep "$OUT" '1\.5\.12 .*\[debug\]'
expect_grep "$OUT" '- .*(CPU|cpu)'

run list --json --allow-debug
expect_json '.candidates[0].installable' true

# Signatures: a tampered image and one by an untrusted key are blocked, with the reason.
"$CLI_MKSTORE" "$WORK/signed" 1.5.06 1.5.08 1.5.10 || exit 1
tamper_signed "$WORK/signed/joined_files/1.5/tdx_module_1.5.10.blob"
run list --json --store "$WORK/signed"
expect_rc 0 "list with a tampered image"
expect_json '.candidates[0].reasons' '["signature_invalid"]'
expect_json '.candidates[0].installable' false
expect_json '.candidates[1].installable' true
run list --store "$WORK/signed"
expect_grep "$OUT" '^  1\.5\.10 +blocked'
expect_grep "$OUT" "signature does not verify"
run list --json --store "$WORK/signed" --trusted-keys="$INTEL_KEY_SHA256"
expect_json '.candidates[1].reasons' '["untrusted_key"]'
run list --store "$WORK/signed" --trusted-keys="$INTEL_KEY_SHA256"
expect_grep "$OUT" 'not trusted'
# --allow-debug never stands in for a trusted key.
"$CLI_MKSTORE" "$WORK/dbg" 1.5.06 1.5.08,debug || exit 1
run list --json --allow-debug --store "$WORK/dbg" --trusted-keys="$INTEL_KEY_SHA256"
expect_json '.candidates[0].reasons' '["untrusted_key"]'

# --reinstall makes the running version installable.
run list --json --reinstall
expect_json '.candidates[3].installable' true

# --strict-compat: 1.5.08 lists only 1.5.04 as strictly compatible.
make_strict_store "$WORK/strict" || exit 1
run list --json --store "$WORK/strict"
expect_json '.candidates[0].installable' true
run list --json --strict-compat --store "$WORK/strict"
expect_json '.candidates[0].reasons' '["strict_compat"]'

# Store problems: a mapping release without an image, a stray file.
"$CLI_MKSTORE" "$WORK/odd" 1.5.06 1.5.08 || exit 1
rm "$WORK/odd/joined_files/1.5/tdx_module_1.5.08.blob"
echo junk >"$WORK/odd/joined_files/1.5/tdx_module_1.5.blob"
run list --json --store "$WORK/odd"
expect_rc 0 "list of an odd store"
expect_json '.missing_images' '["1.5.08"]'
expect_json '.problems | length >= 1' true
run list --store "$WORK/odd"
expect_grep "$ERR" '1\.5\.08'
expect_grep "$ERR" 'tdx_module_1\.5\.blob'

# A store that does not exist is an error for list.
run list --store "$WORK/none"
expect_rc 1 "list without a store"
expect_grep "$ERR" "$WORK/none"
expect_no_grep "$ERR" "$WORK/none.*$WORK/none" "the error names the store twice"
expect_one_error_line

finish
