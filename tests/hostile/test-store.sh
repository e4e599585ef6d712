#!/bin/bash
# Hostile stores and mapping files (issue 7): FIFOs, symlinks (loops,
# dangling, to devices), sparse multi-GB files, unreadable files (run as
# nobody: the tests run as root), huge mappings, deep nesting and invalid
# UTF-8. Each case is one function; each ends bounded, with one clear error
# line, having written nothing.
. "$(dirname "$0")/lib.sh"
export TDXCTL_SYSFS_ROOT=$WORK/sys TDXCTL_STORE=$WORK/store
DATA=$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data
J=$WORK/store/joined_files/1.5
S=$WORK/store/separate_files/1.5/1.5.08

# synthetic_mapping FILE N [RELEASE-JSON]: a mapping file of N releases
# 9.0.00, 9.0.01, ... (and RELEASE-JSON last), compact JSON.
synthetic_mapping() {
	jq -nc --argjson n "$2" --argjson extra "${3:-null}" '{tdx_module_releases: [
		(range($n) | {version: "9.\(. / 100 | floor).\(. % 100 | tostring | if length < 2 then "0" + . else . end)",
			min_seamldr_versions: ["9.0.00"], min_module_version_for_td_preserving: "9.0.00"}),
		($extra | values)]}' >"$1"
}

fresh_store() { # [--separate]
	rm -rf "$WORK/store" "$WORK/sys"
	make_sysfs "$WORK/sys"
	"$CLI_MKSTORE" "$WORK/store" "$@" 1.5.06 1.5.08 >/dev/null || exit 1
}

case_fifo_blob() {
	fresh_store
	rm "$J/tdx_module_1.5.08.blob" && mkfifo "$J/tdx_module_1.5.08.blob"
	hostile_verbs fifo-blob "tdx_module_1.5.08.blob: is a FIFO"
}

case_fifo_sigstruct() {
	fresh_store --separate
	local f
	rm "$J/tdx_module_1.5.08.blob" # the joined blob wins over separate files
	f=$(echo "$S"/*.sigstruct)
	rm "$f" && mkfifo "$f"
	hostile_verbs fifo-sigstruct "sigstruct: is a FIFO"
}

# The module is read only to update (list and plan read the sigstruct).
case_fifo_bin() {
	fresh_store --separate
	local f
	rm "$J/tdx_module_1.5.08.blob"
	f=$(echo "$S"/*.bin)
	rm "$f" && mkfifo "$f"
	timed "$TDXCTL" --direct list
	expect_bounded "fifo-bin: list"
	timed "$TDXCTL" --direct update --yes
	expect_bounded "fifo-bin: update"
	expect_rc 1 "fifo-bin: update"
	expect_one_error_line
	expect_grep "$ERR" "tdx_module_1.5.08.bin: is a FIFO"
	expect_nothing_written "fifo-bin"
}

case_fifo_mapping() {
	fresh_store
	rm "$WORK/store/mapping_file.json" && mkfifo "$WORK/store/mapping_file.json"
	hostile_verbs fifo-mapping "mapping_file.json: is a FIFO"
}

case_symlink_loop_mapping() {
	fresh_store
	rm "$WORK/store/mapping_file.json"
	ln -s mapping_file.json "$WORK/store/mapping_file.json"
	hostile_verbs symlink-loop "mapping_file.json: cannot open: Too many levels of symbolic links"
}

case_symlink_dangling_blob() {
	fresh_store
	rm "$J/tdx_module_1.5.08.blob"
	ln -s /nonexistent/x.blob "$J/tdx_module_1.5.08.blob"
	hostile_verbs symlink-dangling "tdx_module_1.5.08.blob: cannot open: No such file"
}

case_symlink_to_device() {
	fresh_store
	rm "$J/tdx_module_1.5.08.blob"
	ln -s /dev/zero "$J/tdx_module_1.5.08.blob"
	hostile_verbs symlink-device "tdx_module_1.5.08.blob: is a character device"
}

case_sparse_blob() {
	fresh_store
	rm "$J/tdx_module_1.5.08.blob"
	truncate -s 8G "$J/tdx_module_1.5.08.blob"
	hostile_verbs sparse-blob "tdx_module_1.5.08.blob: image version is 0x0"
}

case_sparse_mapping() {
	fresh_store
	truncate -s 4G "$WORK/store/mapping_file.json"
	hostile_verbs sparse-mapping "mapping_file.json: .*larger than the [0-9]+-byte limit"
}

case_unreadable_blob() {
	fresh_store
	chmod 000 "$J/tdx_module_1.5.08.blob"
	# root reads anything: the caller is nobody, so the read really fails
	timed setpriv --reuid=65534 --regid=65534 --clear-groups "$TDXCTL" --direct list
	expect_bounded "unreadable-blob: list"
	cat "$OUT" "$ERR" >"$WORK/both"
	expect_grep "$WORK/both" "tdx_module_1.5.08.blob: cannot open: Permission denied" \
		"unreadable-blob: list"
	# The P-SEAMLDR attributes are 0400 as in the kernel, so nobody's plan
	# stops there, before any image is read: one line naming the unknown
	# input, exit 3 (no plan), never "up to date".
	timed setpriv --reuid=65534 --regid=65534 --clear-groups "$TDXCTL" --direct plan
	expect_bounded "unreadable-blob: plan"
	CHECKS=$((CHECKS + 1))
	[ "$RC" = 3 ] || fail "unreadable-blob: plan exit $RC, expected 3"
	expect_one_error_line
	expect_grep "$ERR" "the P-SEAMLDR version is unknown" "unreadable-blob: plan as nobody"
	expect_nothing_written "unreadable-blob"
}

case_unreadable_mapping() {
	fresh_store
	chmod 000 "$WORK/store/mapping_file.json"
	timed setpriv --reuid=65534 --regid=65534 --clear-groups "$TDXCTL" --direct plan
	expect_bounded "unreadable-mapping"
	CHECKS=$((CHECKS + 1))
	[ "$RC" = 1 ] || fail "unreadable-mapping: plan exit $RC, expected 1"
	expect_one_error_line
	expect_grep "$ERR" "mapping_file.json: cannot open: Permission denied"
	expect_nothing_written "unreadable-mapping"
}

# Over the 16 MiB cap, but valid JSON: refused by size, not parsed.
case_huge_mapping() {
	fresh_store
	synthetic_mapping "$WORK/store/mapping_file.json" 200000
	hostile_verbs huge-mapping "mapping_file.json: .*larger than the [0-9]+-byte limit"
}

# Just under the cap: parsed, and still answered in bounded time.
case_large_mapping() {
	fresh_store
	synthetic_mapping "$WORK/store/mapping_file.json" 100000 \
		'{"version": "1.5.08", "min_seamldr_versions": ["1.5.00"], "min_module_version_for_td_preserving": "1.5.01"}'
	timed "$TDXCTL" --direct plan
	expect_bounded "large-mapping: plan"
	expect_rc 0 "large-mapping: plan"
	expect_grep "$OUT" "1\\.5\\.06 -> 1\\.5\\.08"
	expect_nothing_written "large-mapping"
}

case_deep_json() {
	fresh_store
	{ head -c 200000 /dev/zero | tr '\0' '['; head -c 200000 /dev/zero | tr '\0' ']'; } \
		>"$WORK/store/mapping_file.json"
	hostile_verbs deep-json "mapping_file.json: .*(nest|depth|deep)"
}

case_deep_directories() {
	fresh_store
	local d=$J i
	for i in $(seq 1 200); do d=$d/d; done
	mkdir -p "$d"
	mkfifo "$d/tdx_module_1.5.09.blob"
	timed "$TDXCTL" --direct list
	expect_bounded "deep-directories: list"
	expect_grep "$OUT" "1\\.5\\.08"
	expect_nothing_written "deep-directories"
}

case_invalid_utf8_mapping() {
	fresh_store
	printf '%s\xff\xfe%s' '{"tdx_module_releases": [{"version": "1.5.0' \
		'", "min_module_version_for_td_preserving": "1.5.01", "min_seamldr_versions": ["1.5.00"]}]}' \
		>"$WORK/store/mapping_file.json"
	hostile_verbs invalid-utf8-mapping "mapping_file.json: .*version"
}

case_invalid_utf8_filename() {
	fresh_store
	cp "$J/tdx_module_1.5.08.blob" "$J/tdx_module_1.5.$'\xff'.blob"
	timed "$TDXCTL" --direct list --json
	expect_bounded "invalid-utf8-filename: list --json"
	expect_valid_json "invalid-utf8-filename: list --json" "$OUT"
	timed "$TDXCTL" --direct list
	expect_bounded "invalid-utf8-filename: list"
	expect_nothing_written "invalid-utf8-filename"
}

CASES=(fifo_blob fifo_sigstruct fifo_bin fifo_mapping symlink_loop_mapping
	symlink_dangling_blob symlink_to_device sparse_blob sparse_mapping unreadable_blob
	unreadable_mapping huge_mapping large_mapping deep_json deep_directories invalid_utf8_mapping
	invalid_utf8_filename)
for c in "${CASES[@]}"; do
	before=$FAILS
	"case_$c"
	[ "$FAILS" = "$before" ] && echo "ok: $c" || echo "FAILED: $c"
done
finish
