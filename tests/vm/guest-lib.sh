# shellcheck shell=bash
# Helpers for scenarios running inside the test guest (as root, in a chroot of
# the host's file system). Each scenario records failed expectations with
# expect_*; a scenario passes when it recorded none.

HOST=/sys/devices/faux/tdx_host
FW=/sys/class/firmware/tdx_module
SIMDBG=/sys/kernel/debug/tdx_host_sim
TDXCTL="$VM_BUILD/src/tdxctl/tdxctl"
CATALOG="$VM_BUILD/vm/catalog"
# The catalog's modules are signed with the build's test key (mkcatalog.sh):
# tdxctl, tdxd and the simulator trust it, and only it.
TEST_KEY_SHA256=$(cat "$VM_BUILD/vm/test-key-sha256")
INTEL_KEY_SHA256=c821f41f83e0dc73e272852ffc176bcd9ae1e93a4fccec88772c9b4ff2eaa75f
export TDXCTL_TRUSTED_SIGNING_KEYS=$TEST_KEY_SHA256

SCN_FAILS=()

fail() { SCN_FAILS+=("$*"); echo "  FAIL: $*"; }
note() { echo "  $*"; }

expect_eq() { # what actual expected
	if [ "$2" = "$3" ]; then note "ok: $1 = $3"; else fail "$1: got '$2', expected '$3'"; fi
}

expect_ne() { # what actual unexpected
	if [ "$2" != "$3" ]; then note "ok: $1 != $3"; else fail "$1: got '$2', expected anything else"; fi
}

expect_match() { # what file extended-regex
	if grep -Eqi -- "$3" "$2"; then
		note "ok: $1 matches /$3/"
	else
		fail "$1 does not match /$3/: $(head -c 400 "$2" | tr '\n' '|')"
	fi
}

expect_no_match() { # what file extended-regex
	if grep -Eqi -- "$3" "$2"; then fail "$1 matches /$3/"; else note "ok: $1 lacks /$3/"; fi
}

# ---- the simulator ----

# sim_load PARAM=VALUE...: (re)loads tdx_host_sim with a fresh state, trusting
# the test key unless a trusted_keys= parameter says otherwise.
sim_load() {
	sim_unload
	insmod "$VM_KO" trusted_keys="$TEST_KEY_SHA256" "$@" ||
		{ fail "insmod tdx_host_sim $*"; return 1; }
	note "loaded tdx_host_sim $*"
}

sim_unload() {
	if [ -d /sys/module/tdx_host_sim ]; then
		rmmod tdx_host_sim || fail "rmmod tdx_host_sim"
	fi
}

sim_state() { # key from debugfs state
	sed -n "s/^$1 //p" "$SIMDBG/state"
}

sim_inject() {
	echo "$*" >"$SIMDBG/inject" || fail "inject $*"
}

# The version as userspace reads it: x.y.zz, or ENXIO when the module is lost.
host_version() {
	local v
	if v=$(cat "$HOST/version" 2>/dev/null); then echo "$v"; else echo ENXIO; fi
}

host_remaining() {
	if [ -e "$HOST/num_remaining_updates" ]; then
		cat "$HOST/num_remaining_updates"
	else
		cat "$HOST/seamldr/num_remaining_updates"
	fi
}

# expect_state VERSION REMAINING UPLOADS: what the platform looks like now.
expect_state() {
	expect_eq "version" "$(host_version)" "$1"
	expect_eq "remaining updates" "$(sim_state num_remaining_updates)" "$2"
	expect_eq "uploads received by the kernel" "$(sim_state uploads)" "$3"
}

# ---- tdxctl ----

# tdx ARGS...: runs tdxctl --direct on the catalog; output in $OUT, $ERR, status in $RC.
tdx() {
	OUT=$SCN_DIR/tdx.out ERR=$SCN_DIR/tdx.err
	local t0 t1
	t0=$(date +%s%N)
	"$TDXCTL" --direct --store "${STORE:-$CATALOG}" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	t1=$(date +%s%N)
	note "tdxctl $* -> exit $RC ($(((t1 - t0) / 1000000)) ms)"
	sed 's/^/    | /' "$OUT" "$ERR"
}

# ---- raw fw_upload, as `echo 1 > loading; cat img > data; echo 0 > loading` ----

# raw_upload IMAGE: writes it and waits for idle; prints the error file.
raw_upload() {
	echo 1 >"$FW/loading"
	cat "$1" >"$FW/data"
	echo 0 >"$FW/loading"
	for _ in $(seq 1 200); do
		[ "$(cat "$FW/status")" = idle ] && break
		sleep 0.05
	done
	cat "$FW/error"
}

# A copy of the catalog with one byte of IMAGE's module flipped (seamhash and
# checksum no longer match). Prints the store root.
corrupt_store() { # relative image path, byte offset
	local s=/tmp/store-corrupt
	rm -rf "$s"
	cp -r "$CATALOG" "$s"
	printf '\xa5' | dd of="$s/$1" bs=1 seek="$2" conv=notrunc status=none
	echo "$s"
}

# A copy of the catalog with one signed byte of IMAGE's sigstruct flipped (its
# build date) and the checksum re-fixed: header, checksum and seamhash still
# pass, only the RSA signature tells. Prints the store root.
tamper_store() { # relative image path
	local s=/tmp/store-tampered
	rm -rf "$s"
	cp -r "$CATALOG" "$s"
	python3 "$VM_TOP/tests/common/tamper-signed.py" "$s/$1"
	echo "$s"
}

offline_cpu1() { echo 0 >/sys/devices/system/cpu/cpu1/online; }
online_cpu1() { echo 1 >/sys/devices/system/cpu/cpu1/online; }

# ---- the scenario loop (guest-run.sh, sd-guest-run.sh) ----

# run_scenarios NAME...: runs scn_NAME for each, each in a fresh $SCN_DIR,
# and writes /results/NAME.result (PASS or FAIL: reasons) and NAME.log.
run_scenarios() {
	local name t0 ms
	for name in "$@"; do
		SCN_DIR=/tmp/scn/$name
		mkdir -p "$SCN_DIR"
		SCN_FAILS=()
		t0=$(date +%s%N)
		{
			echo "== $name"
			if declare -F "scn_$name" >/dev/null; then
				"scn_$name"
			else
				fail "no such scenario"
			fi
		} >"/results/$name.log" 2>&1
		ms=$((($(date +%s%N) - t0) / 1000000))
		online_cpu1 2>/dev/null
		if [ ${#SCN_FAILS[@]} -eq 0 ]; then
			echo "PASS ${ms}ms" >"/results/$name.result"
		else
			printf 'FAIL %sms: %s\n' "$ms" "$(IFS=';'; echo "${SCN_FAILS[*]}")" >"/results/$name.result"
		fi
		echo "$name: $(cat "/results/$name.result")"
	done
}
