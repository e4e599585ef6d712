#!/bin/bash
# Fails when a C file of ours is not formatted by the checked-in .clang-format.
set -uo pipefail
cd "$(dirname "$0")/../.."
mapfile -t files < <(git ls-files 'src/*.[ch]' 'include/*.h' 'tests/*.[ch]' 'bench/*.[ch]' \
	'tools/*.[ch]' 2>/dev/null)
[ ${#files[@]} -gt 0 ] || { echo "no files to check"; exit 1; }
out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1)
bad=$(printf '%s\n' "$out" | grep -oE '^[^:]+\.[ch]:[0-9]+' | cut -d: -f1 | sort -u)
n=0
for f in $bad; do
	echo "not formatted: $f (run: clang-format -i $f)"
	n=$((n + 1))
done
echo "${#files[@]} files checked, $n not formatted"
[ "$n" -eq 0 ] && [ -z "$out" ]
