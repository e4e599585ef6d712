# shellcheck shell=bash
# End-to-end scenarios, run inside the guest against the real fw_upload code of
# Debian's 6.12 kernel and tdx_host_sim. One function per scenario; the name
# after scn_ is the meson test name (vm-<name>). The catalog is the synthetic
# store of mapping/README.md (host starts on 1.5.01 .. 1.5.20; 1.5.20 can only
# take over from 1.5.06 or newer).

J=joined_files/1.5
# shellcheck disable=SC2034 # read by guest-run.sh, run.sh and meson.build
SCENARIOS=(
	sim-abi sim-header-invalid sim-fatal-wrong-cpu sim-fatal-seamhash sim-fatal-handoff
	sim-fatal-signature sim-fatal-untrusted-key refuse-signature
	sim-fatal-cpu-offline sim-fatal-no-slots sim-v4-kernel-checks
	happy-newest explicit-version multi-hop up-to-date dry-run
	refuse-cpu-offline refuse-no-slots refuse-wrong-cpu refuse-wrong-seamldr
	refuse-corrupted refuse-debug refuse-downgrade
	convert-0x100-on-mainline convert-0x200-on-v4
	fault-harmless fault-fatal fault-hang-timeout fault-v4-busy
	concurrent unsupported not-loaded
)

# ---- the simulator alone: what a wrong decision costs, without tdxctl ----

scn_sim-abi() {
	sim_load module_version=1.5.06 seamldr_version=1.5.00 num_remaining_updates=7
	expect_eq "version" "$(cat $HOST/version)" "1.5.06"
	expect_eq "seamldr_version" "$(cat $HOST/seamldr_version)" "1.5.00"
	expect_eq "num_remaining_updates" "$(cat $HOST/num_remaining_updates)" "7"
	expect_eq "version mode" "$(stat -c %a $HOST/version)" "444"
	expect_eq "seamldr_version mode" "$(stat -c %a $HOST/seamldr_version)" "400"
	expect_eq "num_remaining_updates mode" "$(stat -c %a $HOST/num_remaining_updates)" "400"
	expect_eq "class link" "$(readlink -f $FW)" "$HOST/firmware/tdx_module"
	expect_eq "fw_upload status" "$(cat $FW/status)" "idle"
	raw_upload "$CATALOG/$J/tdx_module_1.5.20.blob" >"$SCN_DIR/error"
	expect_eq "error after success" "$(cat "$SCN_DIR/error")" ""
	expect_state 1.5.20 6 1
	sim_load module_version=1.5.06 abi=v4
	expect_eq "v4 seamldr/version" "$(cat $HOST/seamldr/version)" "1.5.00"
	expect_eq "v4 has no flat seamldr_version" "$(test -e $HOST/seamldr_version && echo yes)" ""
	sim_unload
	expect_eq "unloaded" "$(test -e $HOST && echo present)" ""
}

scn_sim-header-invalid() {
	sim_load module_version=1.5.06
	head -c 12288 /dev/urandom >"$SCN_DIR/garbage"
	expect_eq "garbage" "$(raw_upload "$SCN_DIR/garbage")" "transferring:firmware-invalid"
	# A 0x100 image on the mainline layout is refused before anything happens.
	expect_eq "0x100 on mainline" "$(raw_upload "$CATALOG/$J/tdx_module_1.5.08.blob")" \
		"transferring:firmware-invalid"
	head -c 8192 "$CATALOG/$J/tdx_module_1.5.20.blob" >"$SCN_DIR/short"
	expect_eq "truncated" "$(raw_upload "$SCN_DIR/short")" "transferring:firmware-invalid"
	expect_state 1.5.06 16 3
}

scn_sim-fatal-wrong-cpu() {
	sim_load module_version=1.5.01
	expect_eq "error" "$(raw_upload "$CATALOG/$J/tdx_module_1.5.04.blob")" \
		"transferring:firmware-invalid"
	expect_state ENXIO 16 1
	expect_match "last result" "$SIMDBG/state" "not in the sigstruct cpuid table"
}

scn_sim-fatal-seamhash() {
	local s
	sim_load module_version=1.5.01
	s=$(corrupt_store "$J/tdx_module_1.5.06.blob" 9000)
	raw_upload "$s/$J/tdx_module_1.5.06.blob" >/dev/null
	expect_state ENXIO 16 1
	expect_match "last result" "$SIMDBG/state" "seamhash"
}

# The P-SEAMLDR checks the signature after the shutdown: a bad one is fatal.
scn_sim-fatal-signature() {
	local s
	sim_load module_version=1.5.01
	s=$(tamper_store "$J/tdx_module_1.5.06.blob")
	raw_upload "$s/$J/tdx_module_1.5.06.blob" >/dev/null
	expect_state ENXIO 16 1
	expect_match "last result" "$SIMDBG/state" "signature does not verify"
	# The same image, correctly signed, installs.
	sim_load module_version=1.5.01
	raw_upload "$CATALOG/$J/tdx_module_1.5.06.blob" >/dev/null
	expect_state 1.5.06 15 1
}

scn_sim-fatal-untrusted-key() {
	sim_load module_version=1.5.01 trusted_keys="$INTEL_KEY_SHA256"
	raw_upload "$CATALOG/$J/tdx_module_1.5.06.blob" >/dev/null
	expect_state ENXIO 16 1
	expect_match "last result" "$SIMDBG/state" "signing key $TEST_KEY_SHA256 not trusted"
}

# tdxctl refuses a tampered image and writes nothing; the same bytes written
# without tdxctl's check kill the module; the correctly signed image installs.
scn_refuse-signature() {
	local s
	sim_load module_version=1.5.01
	s=$(tamper_store "$J/tdx_module_1.5.06.blob")
	# shellcheck disable=SC2034 # read by tdx()
	STORE=$s
	tdx update 1.5.06 --yes
	expect_eq "exit" "$RC" 3
	expect_match "stderr" "$ERR" "signature_invalid"
	expect_state 1.5.01 16 0
	tdx blob info "$s/$J/tdx_module_1.5.06.blob"
	expect_eq "blob info exit" "$RC" 1
	expect_match "blob info" "$OUT" "Signature: DOES NOT VERIFY"
	unset STORE
	raw_upload "$s/$J/tdx_module_1.5.06.blob" >/dev/null
	expect_state ENXIO 16 1
	sim_load module_version=1.5.01
	tdx update 1.5.06 --yes
	expect_eq "exit, correctly signed" "$RC" 0
	expect_state 1.5.06 15 1
}

scn_sim-fatal-handoff() {
	sim_load module_version=1.5.01
	raw_upload "$CATALOG/$J/tdx_module_1.5.20.blob" >/dev/null
	expect_state ENXIO 16 1
	expect_match "last result" "$SIMDBG/state" "cannot take over from 1.5.01"
}

scn_sim-fatal-cpu-offline() {
	sim_load module_version=1.5.01
	offline_cpu1
	raw_upload "$CATALOG/$J/tdx_module_1.5.06.blob" >/dev/null
	online_cpu1
	expect_state ENXIO 16 1
	expect_match "last result" "$SIMDBG/state" "CPU offline"
}

scn_sim-fatal-no-slots() {
	sim_load module_version=1.5.01 num_remaining_updates=0
	raw_upload "$CATALOG/$J/tdx_module_1.5.06.blob" >/dev/null
	expect_state ENXIO 0 1
}

# The v4 kernel still refused these two itself, harmlessly.
scn_sim-v4-kernel-checks() {
	sim_load module_version=1.5.01 num_remaining_updates=0 abi=v4
	tdx blob convert "$CATALOG/$J/tdx_module_1.5.06.blob" "$SCN_DIR/v1.blob" --format=0x100
	expect_eq "no slots on v4" "$(raw_upload "$SCN_DIR/v1.blob")" "transferring:flash-wearout"
	expect_state 1.5.01 0 1
	sim_load module_version=1.5.01 abi=v4
	offline_cpu1
	expect_eq "offline CPU on v4" "$(raw_upload "$SCN_DIR/v1.blob")" "transferring:device-busy"
	online_cpu1
	expect_state 1.5.01 16 1
	expect_eq "v4 success" "$(raw_upload "$SCN_DIR/v1.blob")" ""
	expect_state 1.5.06 15 2
}

# ---- tdxctl: the happy paths ----

scn_happy-newest() {
	sim_load module_version=1.5.06
	tdx update --yes
	expect_eq "exit" "$RC" 0
	expect_state 1.5.20 15 1
	expect_match "stdout" "$OUT" "1\.5\.06 -> 1\.5\.20"
}

scn_explicit-version() {
	sim_load module_version=1.5.01
	tdx update 1.5.06 --yes
	expect_eq "exit" "$RC" 0
	expect_state 1.5.06 15 1
}

scn_multi-hop() {
	sim_load module_version=1.5.01
	tdx update --yes
	expect_eq "exit" "$RC" 0
	expect_state 1.5.20 14 2
	expect_match "stdout" "$OUT" "1\.5\.01 -> 1\.5\.(06|08|10)"
	expect_match "stdout" "$OUT" "1\.5\.(06|08|10) -> 1\.5\.20"
}

scn_up-to-date() {
	sim_load module_version=1.5.20
	tdx update --yes
	expect_eq "exit" "$RC" 0
	expect_match "stdout" "$OUT" "up to date"
	expect_state 1.5.20 16 0
}

scn_dry-run() {
	sim_load module_version=1.5.01
	tdx update --dry-run
	expect_eq "exit" "$RC" 0
	expect_match "stdout" "$OUT" "1\.5\.20"
	expect_state 1.5.01 16 0
}

# ---- tdxctl: every pre-flight refusal writes nothing ----

scn_refuse-cpu-offline() {
	sim_load module_version=1.5.06
	offline_cpu1
	tdx update --yes
	online_cpu1
	expect_eq "exit" "$RC" 1
	expect_match "stderr" "$ERR" "offline|cpus_online"
	expect_state 1.5.06 16 0
}

scn_refuse-no-slots() {
	sim_load module_version=1.5.06 num_remaining_updates=0
	tdx update --yes
	expect_eq "exit" "$RC" 1
	expect_match "stderr" "$ERR" "num_remaining_updates is 0"
	expect_state 1.5.06 0 0
}

# refuse_target RUNNING TARGET REGEX: policy says no plan (exit 3), names why, writes nothing.
refuse_target() {
	sim_load module_version="$1"
	tdx update "$2" --yes
	expect_eq "exit" "$RC" 3
	expect_match "stderr" "$ERR" "$3"
	expect_state "$1" 16 0
}

scn_refuse-wrong-cpu() {
	refuse_target 1.5.01 1.5.04 "cpu"
}

scn_refuse-wrong-seamldr() {
	refuse_target 1.5.01 1.5.05 "seamldr"
}

scn_refuse-corrupted() {
	sim_load module_version=1.5.01
	# shellcheck disable=SC2034 # read by tdx()
	STORE=$(corrupt_store "$J/tdx_module_1.5.06.blob" 9000)
	tdx update 1.5.06 --yes
	unset STORE
	expect_eq "exit" "$RC" 1
	expect_match "stderr" "$ERR" "seamhash|checksum"
	expect_state 1.5.01 16 0
}

scn_refuse-debug() {
	refuse_target 1.5.01 1.5.03 "debug"
	tdx update 1.5.03 --yes --allow-debug
	expect_eq "exit with --allow-debug" "$RC" 0
	expect_state 1.5.03 15 1
}

scn_refuse-downgrade() {
	refuse_target 1.5.08 1.5.06 "downgrade|older"
}

# ---- image formats ----

scn_convert-0x100-on-mainline() {
	sim_load module_version=1.5.06
	tdx update 1.5.08 --yes
	expect_eq "exit" "$RC" 0
	expect_state 1.5.08 15 1
}

scn_convert-0x200-on-v4() {
	sim_load module_version=1.5.01 abi=v4
	tdx update 1.5.06 --yes
	expect_eq "exit" "$RC" 0
	expect_state 1.5.06 15 1
}

# ---- injected faults ----

scn_fault-harmless() {
	sim_load module_version=1.5.06
	sim_inject fail
	tdx update --yes
	expect_eq "exit" "$RC" 1
	expect_match "stderr" "$ERR" "firmware-invalid"
	expect_match "stderr" "$ERR" "still runs"
	expect_state 1.5.06 16 1
}

scn_fault-fatal() {
	sim_load module_version=1.5.01
	sim_inject fatal
	tdx update --yes # a two-hop plan: the second hop must never be tried
	expect_eq "exit" "$RC" 4
	expect_match "output" "$ERR" "reboot"
	expect_state ENXIO 16 1
	tdx status
	expect_match "status after loss" "$OUT" "lost|ENXIO|no such device"
	tdx update --yes
	expect_ne "exit of a retry" "$RC" 0
	expect_state ENXIO 16 1
}

scn_fault-hang-timeout() {
	sim_load module_version=1.5.06
	sim_inject hang 8000
	tdx update --yes --timeout 2
	expect_eq "exit" "$RC" 5
	expect_match "stderr" "$ERR" "did not finish within 2 s"
	expect_match "stdout" "$OUT" "timeout \\(write [0-9.]+ s, install 2\\.[0-9]+ s\\)"
	expect_eq "uploads received by the kernel" "$(sim_state uploads)" 1
	sleep 8 # let the kernel finish before the next scenario unloads it
}

scn_fault-v4-busy() {
	sim_load module_version=1.5.06 abi=v4
	sim_inject busy
	tdx update --yes
	expect_eq "exit" "$RC" 1
	expect_match "stderr" "$ERR" "device-busy"
	expect_state 1.5.06 16 1
}

# ---- the host around the update ----

scn_concurrent() {
	local a b
	sim_load module_version=1.5.06 install_ms=3000
	"$TDXCTL" --direct --store "$CATALOG" update --yes >"$SCN_DIR/a.out" 2>"$SCN_DIR/a.err" &
	a=$!
	"$TDXCTL" --direct --store "$CATALOG" update --yes >"$SCN_DIR/b.out" 2>"$SCN_DIR/b.err" &
	b=$!
	wait $a; a=$?
	wait $b; b=$?
	cat "$SCN_DIR"/a.* "$SCN_DIR"/b.* | sed 's/^/    | /'
	expect_eq "exit codes (sorted)" "$(printf '%s\n' $a $b | sort | tr '\n' ' ')" "0 1 "
	cat "$SCN_DIR/a.err" "$SCN_DIR/b.err" >"$SCN_DIR/both.err"
	# The loser stops at the update lock or at fw_upload's busy status,
	# whichever it reaches first; either way it writes nothing.
	expect_match "loser" "$SCN_DIR/both.err" "another (update|upload) is (running|in progress)"
	expect_state 1.5.20 15 1
}

scn_unsupported() {
	sim_load module_version=1.5.06 runtime_update=0
	expect_eq "no fw_upload" "$(test -e $FW && echo present)" ""
	tdx status
	expect_eq "status exit" "$RC" 0
	expect_match "status" "$OUT" "Runtime update: .*(hides the update attributes|unsupported)"
	expect_match "status" "$OUT" "fw_upload: absent"
	tdx update --yes
	expect_eq "update exit" "$RC" 1
	expect_match "update stderr" "$ERR" "runtime update is unsupported: .*hides the update attributes"
	expect_no_match "update output" "$OUT" "Installed|up to date"
	expect_eq "version" "$(host_version)" 1.5.06
	expect_eq "uploads received by the kernel" "$(sim_state uploads)" 0
}

scn_not-loaded() {
	sim_unload
	tdx status
	expect_eq "status exit" "$RC" 0
	expect_match "status" "$OUT" "Module: absent \\(no tdx_host device\\)"
	tdx update --yes
	expect_eq "exit" "$RC" 1
	expect_match "stderr" "$ERR" "module is absent"
}
