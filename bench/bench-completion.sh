#!/bin/bash
# How long `tdxctl update <TAB>` takes in bash: the installed completion's
# _tdxctl against stores of N versions (empty image files and a mapping file:
# the completion reads names and the mapping, never an image). Prints the
# median and the slowest of BENCH_RUNS calls per size, beside two floors
# measured in the same run: an empty bash function call and a fork/exec of
# /bin/true (what any completion that runs a program pays at least).
# Run: meson compile -C build bench-completion   (BENCH_RUNS=21)
set -euo pipefail
: "${BENCH_COMPLETION:?path of the bash completion file}"
RUNS=${BENCH_RUNS:-21}
WORK=$(mktemp -d /tmp/bench-completion.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# make_store DIR N: N versions 1.5.00 .. in joined_files, all in the mapping.
make_store() {
	local dir=$1 n=$2 i v
	mkdir -p "$dir/joined_files/1.5"
	{
		echo '{ "Header": { "Version": "1.0" }, "tdx_module_releases": ['
		for ((i = 0; i < n; i++)); do
			v=1.5.$(printf '%02d' "$i")
			: >"$dir/joined_files/1.5/tdx_module_$v.blob"
			printf '  { "version": "%s", "min_module_version_for_td_preserving": "1.5.00",\n' "$v"
			printf '    "min_seamldr_versions": [ "1.5.00" ] }%s\n' "$([ $i -lt $((n - 1)) ] && echo ,)"
		done
		echo '] }'
	} >"$dir/mapping_file.json"
}

. /usr/share/bash-completion/bash_completion
. "$BENCH_COMPLETION"
compopt() { :; }

# time_us CMD...: microseconds of one call, by $EPOCHREALTIME.
time_us() {
	local t0=${EPOCHREALTIME/./} t1
	"$@" >/dev/null
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0))
}

complete_update() {
	COMP_WORDS=(tdxctl update "")
	COMP_CWORD=2
	COMP_LINE="tdxctl update "
	COMP_POINT=${#COMP_LINE}
	_tdxctl tdxctl "" update
}
empty_function() { :; }

# stats LABEL CMD...: median and max of RUNS calls.
stats() {
	local label=$1 i
	shift
	local -a t=()
	for ((i = 0; i < RUNS; i++)); do t+=("$(time_us "$@")"); done
	mapfile -t t < <(printf '%s\n' "${t[@]}" | sort -n)
	printf '%-44s median %7d us   max %7d us   (%d runs)\n' "$label" "${t[RUNS / 2]}" \
		"${t[RUNS - 1]}" "$RUNS"
}

stats "floor: empty bash function" empty_function
stats "floor: fork/exec /bin/true" /bin/true
for n in 30 300 1000; do
	make_store "$WORK/s$n" "$n"
	export TDXCTL_STORE=$WORK/s$n
	COMPREPLY=()
	complete_update
	[ "${#COMPREPLY[@]}" -eq "$n" ] || { echo "expected $n versions, got ${#COMPREPLY[@]}"; exit 1; }
	stats "update <TAB>, $n versions" complete_update
done
