#!/bin/bash
# Runs one libFuzzer harness for a fixed time budget over a scratch copy of its
# checked-in corpus (new inputs go to the scratch dir, never into the tree).
# A finding exits 1 (libFuzzer's own default, 77, would read as "skipped" to
# meson) and leaves the reproducer in the build dir's fuzz-artifacts/.
set -euo pipefail
exe=$1 corpus=$2 seconds=${3:-${TDX_FUZZ_SECONDS:-20}}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts="$(dirname "$exe")/fuzz-artifacts/"
mkdir -p "$artifacts"
"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$artifacts" \
	"$scratch" "$corpus" >"$scratch.log" 2>&1 || { tail -n 60 "$scratch.log"; rm -f "$scratch.log"; exit 1; }
tail -n 12 "$scratch.log"
rm -f "$scratch.log"
