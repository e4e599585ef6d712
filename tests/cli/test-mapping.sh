#!/bin/bash
# mapping check: Intel's real files pass; a bad file gives one line naming the field.
. "$(dirname "$0")/lib.sh"

for f in "$TEST_DATA_DIR"/mapping_file-*.json; do
	n=$(jq '.tdx_module_releases | length' "$f")
	run mapping check "$f" --json
	expect_rc 0 "mapping check $f"
	expect_json '.valid' true
	expect_json '.releases' "$n"
	expect_json '.problems' '[]'
	run mapping check "$f"
	expect_grep "$OUT" "valid, $n releases"
done

cat >"$WORK/bad.json" <<'JSON'
{ "tdx_module_releases": [
  { "version": "1.5.06", "min_module_version_for_td_preserving": "1.5.01",
    "min_seamldr_versions": ["1.5.00"] },
  { "version": "1.5", "min_module_version_for_td_preserving": "1.5.01",
    "min_seamldr_versions": ["1.5.00"] } ] }
JSON
run mapping check "$WORK/bad.json"
expect_rc 1 "mapping check of a bad version"
expect_one_error_line
expect_grep "$ERR" "^tdxctl: $WORK/bad.json: "
expect_grep "$ERR" 'tdx_module_releases\[1\]'
expect_grep "$ERR" '"1\.5"'

run mapping check "$WORK/bad.json" --json
expect_rc 1 "mapping check --json of a bad file"
expect_json '.valid' false
expect_json '.problems | length' 1

echo '{ "tdx_module_releases": [ ' >"$WORK/syntax.json"
run mapping check "$WORK/syntax.json"
expect_rc 1 "mapping check of broken JSON"
expect_one_error_line

run mapping check "$WORK/none.json"
expect_rc 1 "mapping check of a missing file"
expect_grep "$ERR" "none.json"

# Default: the store's mapping file.
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 || exit 1
run mapping check --store "$WORK/store" --json
expect_rc 0 "mapping check of the store"
expect_json '.path' "$WORK/store/mapping_file.json"
expect_json '.versions' '["1.5.06","1.5.08"]'

finish
