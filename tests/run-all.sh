#!/bin/bash
# The project's test command (README): builds three configurations and runs
# every suite, then prints the totals over all of them as the last line,
# "N passed, N failed".
#   build-test   gcc, -Werror: unit, cli, bus, hostile, fuzz (corpus replay), style, vm, systemd
#   build-asan   gcc, -Werror, ASan+UBSan: unit, cli, bus, hostile, fuzz (corpus replay)
#   build-fuzz   clang, ASan+UBSan, libFuzzer: each harness for TDX_FUZZ_SECONDS
#   package      tools/build-deb.sh: the Debian package from the tracked files, lintian
#   pristine     tools/pristine-check.sh: demo and run-all --quick in a fresh bookworm root
# Options: --quick (build-test without the vm suite; for a fast local loop).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
quick=0
[ "${1:-}" = "--quick" ] && quick=1

export TDX_FUZZ_SECONDS=${TDX_FUZZ_SECONDS:-20}
failed_setup=0
logs=()
# Checks that are not meson tests: "config/suite/name PASS|FAIL" lines.
extra_results=$(mktemp)
trap 'rm -f "$extra_results"' EXIT

# run_check CONFIG/SUITE/NAME LOG COMMAND...: one check outside meson, counted in the totals.
run_check() {
	local name=$1 log=$2 t0=$EPOCHREALTIME
	shift 2
	echo "== $name: $*"
	if "$@" >"$log" 2>&1; then
		echo "$name PASS" >>"$extra_results"
		echo "== $name: OK ($(python3 -c "print(f'{$EPOCHREALTIME - $t0:.0f}')") s)"
	else
		echo "$name FAIL" >>"$extra_results"
		tail -n 40 "$log"
		echo "== $name: FAILED (log: $log)"
	fi
}

run_config() { # name, suites (space separated), setup args...
	local name=$1 suites=$2
	shift 2
	local dir="$top/build-$name"
	echo "== $name: meson setup $*"
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"; failed_setup=$((failed_setup + 1)); return; }
	else
		meson configure "$dir" "$@" >/dev/null 2>&1
	fi
	if ! meson compile -C "$dir" >"$dir.compile.log" 2>&1; then
		tail -n 40 "$dir.compile.log"
		echo "== $name: build FAILED"
		failed_setup=$((failed_setup + 1))
		return
	fi
	local args=()
	for s in $suites; do args+=(--suite "$s"); done
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --num-processes 2 "${args[@]}"
	logs+=("$dir/meson-logs/testlog.json")
}

suites="unit cli bus fleet hostile hook fuzz style vm systemd"
[ $quick = 1 ] && suites="unit cli bus fleet hostile hook fuzz style"
run_config test "$suites" -Dwerror=true -Db_sanitize=none
if [ $quick = 0 ]; then
	run_config asan "unit cli bus fleet hostile fuzz" -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dvm_tests=false
	CC=clang run_config fuzz "fuzz" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dvm_tests=false -Dman=disabled
	run_check package/package/deb-lintian "$top/build-deb.log" tools/build-deb.sh "$top/build-deb"
	run_check pristine/pristine/fresh-bookworm "$top/build-pristine.log" tools/pristine-check.sh
fi

python3 - "$failed_setup" "$extra_results" "${logs[@]}" <<'PY'
import json, sys
failed_setup = int(sys.argv[1])
passed = failed = 0
per_suite = {}

def count(cfg, suite, ok, what):
    global passed, failed
    k = f"{cfg}/{suite}"
    p, f = per_suite.get(k, (0, 0))
    per_suite[k] = (p + ok, f + (not ok))
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {cfg} {what}")

for line in open(sys.argv[2]).read().splitlines():
    name, result = line.split(" ")
    cfg, suite, test = name.split("/")
    count(cfg, suite, result == "PASS", f"{suite} / {test}")
for path in sys.argv[3:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        print(f"missing test log {path}")
        continue
    for line in lines:
        t = json.loads(line)
        # meson names tests "project:suite / name"
        suite = t["name"].split(" / ")[0].split(":")[-1]
        count(path.split("/")[-3], suite, t["result"] in ("OK", "EXPECTEDFAIL"),
              f"{t['name']} ({t['result']})")
for k in sorted(per_suite):
    print(f"  {k}: {per_suite[k][0]} passed, {per_suite[k][1]} failed")
failed += failed_setup
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
PY
