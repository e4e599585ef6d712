#!/bin/bash
# Fails when a tracked text file still holds a merge-conflict marker: one
# reached the README through a merge that printed no error (session 17).
set -uo pipefail
cd "$(dirname "$0")/../.."
git rev-parse --git-dir >/dev/null 2>&1 || { echo "not a git checkout"; exit 1; }
n_files=$(git ls-files | wc -l)
[ "$n_files" -gt 0 ] || { echo "no files to check"; exit 1; }
if git grep -nIE '^(<<<<<<<|>>>>>>>) ' -- . ':!tests/style/check-conflicts.sh'; then
	echo "merge-conflict markers above"
	exit 1
fi
echo "$n_files files checked, no merge-conflict markers"
