#!/bin/bash
# Fails when a C file of ours is not formatted by the checked-in .clang-format.
set -uo pipefail
cd "$(dirname "$0")/../.."
files=$(git ls-files 'src/*.[ch]' 'include/*.h' 'tests/*.[ch]' 'bench/*.[ch]' 'tools/*.[ch]' 2>/dev/null)
[ -n "$files" ] || { echo "no files to check"; exit 1; }
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run: clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
echo "$(echo "$files" | wc -w) files checked, $bad not formatted"
[ "$bad" -eq 0 ]
