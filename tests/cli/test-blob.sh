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
expect_json 'j["format"]' 0x100
expect_json 'j["size"]' "$(stat -c %s "$V1")"
expect_json 'j["checksum_ok"]' True
expect_json 'j["seamhash_ok"]' True
expect_json 'j["debug"]' False
expect_json 'j["build_date"]' 2025-01-01
expect_json '"0x806f8" in j["cpuid_table"]' True
expect_json 'j["cpuid_platforms"][j["cpuid_table"].index("0x806f8")]' 'Sapphire Rapids'
expect_json 'j["path"]' "$V1"

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
expect_json 'j["checksum_ok"]' False
expect_json 'j["seamhash_ok"]' False
expect_grep "$ERR" "$WORK/bad.blob"
expect_one_error_line

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
