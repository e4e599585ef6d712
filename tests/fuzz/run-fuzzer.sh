#!/bin/bash
# Runs one libFuzzer harness for a fixed time budget over a scratch copy of its
# checked-in corpus (new inputs go to the scratch dir, never into the tree).
set -euo pipefail
exe=$1 corpus=$2 seconds=${3:-${TDX_FUZZ_SECONDS:-20}}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	"$scratch" "$corpus" 2>&1 | tail -n 12
