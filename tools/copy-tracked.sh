#!/bin/bash
# Copies the files git tracks in this checkout (as they are in the work tree,
# uncommitted edits included) to DEST: what a fresh clone has, without the
# build-* directories and stray files of this checkout. Without git, copies
# the tree minus build directories.
#   tools/copy-tracked.sh DEST
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
mkdir -p "$dest"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached | (cd "$top" && tar --null -T - -cf -) | tar -xf - -C "$dest"
else
	tar -C "$top" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -xf - -C "$dest"
fi
