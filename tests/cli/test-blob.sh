#!/bin/bash
# blob info/join/convert: byte-exact round trips and clear errors on corrupt images.
. "$(dirname "$0")/lib.sh"

"$CLI_MKSTORE" "$WORK/s1" --format=0x100 --separate 1.5.08 || exit 1
"$CLI_MKSTORE" "$WORK/s2" --format=0x200 --separate 1.5.08 || exit 1
V1=$WORK/s1/joined_files/1.5/tdx_module_1.5.08.blob
V2=$WORK/s2/joined_files/1.5/tdx_module_1.5.08.blob
SEP=$WORK/s1/separate_files/1.5/1.5.08/tdx_module_1.5.08

expect_same() {
	CHECKS=$((CHECKS + 1))
	cmp -s "$1" "$2" || fail "$1 and $2 differ"
}

run blob join "$SEP.bin" "$SEP.sigstruct" "$WORK/j1.blob" --format=0x100
expect_rc 0 "blob join 0x100"
expect_empty "$OUT" "stdout of blob join"
expect_same "$WORK/j1.blob" "$V1"
run blob join "$SEP.bin" "$SEP.sigstruct" "$WORK/j2.blob" --format=0x200
expect_rc 0 "blob join 0x200"
expect_same "$WORK/j2.blob" "$V2"

run blob convert "$V1" "$WORK/c2.blob" --format=0x200
expect_rc 0 "blob convert to 0x200"
expect_same "$WORK/c2.blob" "$V2"
run blob convert "$WORK/c2.blob" "$WORK/c1.blob" --format=0x100
expect_rc 0 "blob convert back to 0x100"
expect_same "$WORK/c1.blob" "$V1"

run blob info --json "$V1"
expect_rc 0 "blob info --json"
expect_json '.format' 0x100
expect_json '.size' "$(stat -c %s "$V1")"
expect_json '.checksum_ok' true
expect_json '.seamhash_ok' true
expect_json '.debug' false
expect_json '.build_date' 2025-01-01
expect_json 'any(.cpuid_table[]; . == "0x806f8")' true
expect_json '.cpuid_platforms[.cpuid_table | index("0x806f8")]' 'Sapphire Rapids'
expect_json '.path' "$V1"

run blob info "$V2"
expect_rc 0 "blob info"
expect_grep "$OUT" 'Format: 0x200'
expect_grep "$OUT" 'Checksum: 0x[0-9a-f]{4} \(ok\)'
expect_grep "$OUT" 'matches SHA-384 of the module'
expect_grep "$OUT" '0x806f8 \(Sapphire Rapids\)'

# Corrupt module byte: checksum and seamhash both fail; info still shows, exit 1.
cp "$V2" "$WORK/bad.blob"
printf '\xff' | dd of="$WORK/bad.blob" bs=1 seek=$((3 * 4096 + 17)) conv=notrunc 2>/dev/null
run blob info --json "$WORK/bad.blob"
expect_rc 1 "blob info of a corrupt image"
expect_json '.checksum_ok' false
expect_json '.seamhash_ok' false
expect_grep "$ERR" "$WORK/bad.blob"
expect_one_error_line

# The signature: shown, with its key and whether that key is trusted.
run blob info --json "$V2"
expect_json '.signature.valid' true
expect_json '.signature.key_sha256' "$TEST_KEY_SHA256"
expect_json '.signature.trusted' true
run blob info "$V2"
expect_grep "$OUT" '^ Signature: valid'
expect_grep "$OUT" "^Signed key: $TEST_KEY_SHA256 \(trusted\)"

# Only Intel's key trusted (the default): the same image is refused, still shown.
TDXCTL_TRUSTED_SIGNING_KEYS= run blob info --json "$V2"
expect_rc 1 "blob info of an image signed by an untrusted key"
expect_json '.signature.valid' true
expect_json '.signature.trusted' false
expect_grep "$ERR" "^tdxctl: $V2: signing key $TEST_KEY_SHA256 is not trusted"
expect_one_error_line
run blob info --json --trusted-keys="$INTEL_KEY_SHA256" "$V2"
expect_rc 1 "blob info --trusted-keys=Intel's"
expect_json '.signature.trusted' false
# join and convert write only images an update would accept.
TDXCTL_TRUSTED_SIGNING_KEYS=$INTEL_KEY_SHA256 run blob convert "$V1" "$WORK/u.blob" --format=0x200
expect_rc 1 "blob convert of an untrusted image"
expect_grep "$ERR" "is not trusted"
expect_one_error_line
CHECKS=$((CHECKS + 1))
[ ! -e "$WORK/u.blob" ] || fail "an untrusted image was written to $WORK/u.blob"
run blob convert "$V1" "$WORK/u.blob" --format=0x200 --trusted-keys="$INTEL_KEY_SHA256,$TEST_KEY_SHA256"
expect_rc 0 "blob convert with both keys trusted"

# One signed byte changed, checksum re-fixed: only the signature catches it.
cp "$V2" "$WORK/tampered.blob"
tamper_signed "$WORK/tampered.blob"
run blob info --json "$WORK/tampered.blob"
expect_rc 1 "blob info of a tampered image"
expect_json '.checksum_ok' true
expect_json '.seamhash_ok' true
expect_json '.signature.valid' false
expect_json '.signature.trusted' false
expect_grep "$ERR" "^tdxctl: $WORK/tampered.blob: signature does not verify"
expect_one_error_line
run blob convert "$WORK/tampered.blob" "$WORK/t1.blob" --format=0x100
expect_rc 1 "blob convert of a tampered image"
CHECKS=$((CHECKS + 1))
[ ! -e "$WORK/t1.blob" ] || fail "a tampered image was written to $WORK/t1.blob"

# A malformed trust list is a usage error, before anything is read.
run blob info --trusted-keys=c821f41f "$V2"
expect_rc 2 "--trusted-keys with a short fingerprint"
expect_grep "$ERR" '^tdxctl: --trusted-keys: "c821f41f" is not a SHA-256 key fingerprint'
TDXCTL_TRUSTED_SIGNING_KEYS=xyz run blob info "$V2"
expect_rc 2 "a malformed \$TDXCTL_TRUSTED_SIGNING_KEYS"
expect_grep "$ERR" 'TDXCTL_TRUSTED_SIGNING_KEYS: "xyz"'

# Truncated image: the header does not match the size.
head -c 6000 "$V2" >"$WORK/short.blob"
run blob info "$WORK/short.blob"
expect_rc 1 "blob info of a truncated image"
expect_grep "$ERR" "^tdxctl: $WORK/short.blob: "
expect_one_error_line
expect_empty "$OUT" "stdout for a truncated image"

run blob info "$WORK/missing.blob"
expect_rc 1 "blob info of a missing file"
expect_grep "$ERR" "missing.blob"

# A sigstruct that is too large for either format.
head -c $((5 * 4096)) /dev/zero >"$WORK/big.sigstruct"
run blob join "$SEP.bin" "$WORK/big.sigstruct" "$WORK/x.blob" --format=0x200
expect_rc 1 "blob join with a huge sigstruct"
CHECKS=$((CHECKS + 1))
[ ! -e "$WORK/x.blob" ] || fail "a failed join left $WORK/x.blob"

finish
