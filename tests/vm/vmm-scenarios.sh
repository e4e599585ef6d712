# shellcheck shell=bash
# A TD build in progress (tdx_host_sim's td_build) makes an update the fatal
# outcome; every guard of issue 9 prevents it: the fd inhibitor (with and
# without tdxd), the named key (tdxd, --direct), the libvirt hook, for tdxd's
# jobs and `tdxctl --direct update` alike, with nothing reaching the kernel.
# Same conventions as scenarios.sh (scn_<name>, guest-lib.sh helpers);
# the bus helpers come from ../bus/vm-scenarios.sh.

# shellcheck disable=SC2034
VMM_SCENARIOS=(td-build-unguarded td-build-guards)
VMM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIBVIRT_HOOK="$VMM_TOP/libvirt/50-tdxctl"
TD_XML="$VMM_TOP/tests/hook/data/td.xml"
TD_KEY=libvirt:0b6c4f4e-5d2a-4c52-9a4f-3f1c2f6a8e01

td_build() { # begin|end
	echo "$1" >"$SIMDBG/td_build" || fail "td_build $1"
}

# expect_guarded WHAT RC FILE REGEX UPLOADS: an update refused by a guard, nothing written.
expect_guarded() {
	expect_eq "$1: exit" "$2" 1
	expect_match "$1: reason" "$3" "$4"
	expect_eq "$1: uploads received by the kernel" "$(sim_state uploads)" "$5"
	expect_eq "$1: version" "$(host_version)" 1.5.06
}

# The model: an update during a TD build is fatal, as the unguarded 7.2 kernel makes it.
scn_td-build-unguarded() {
	sim_load module_version=1.5.06
	td_build begin
	expect_eq "td_builds in state" "$(sim_state td_builds)" 1
	tdx update --yes 1.5.08
	expect_eq "exit" "$RC" 4
	expect_state ENXIO 16 1
	expect_match "why" "$SIMDBG/state" "last_result -5 update during a TD build"
}

direct_update() { # WHAT REGEX UPLOADS: a --direct update under a guard
	tdx update --yes 1.5.08
	expect_guarded "$1 (--direct)" "$RC" "$ERR" "$2" "$3"
}

tdxd_update() { # WHAT REGEX UPLOADS: a tdxd job under a guard
	"$TDXCTL" update --yes 1.5.08 >"$SCN_DIR/bus.out" 2>&1 </dev/null
	expect_guarded "$1 (tdxd)" "$?" "$SCN_DIR/bus.out" "$2" "$3"
}

scn_td-build-guards() {
	sim_load module_version=1.5.06
	td_build begin
	local uploads=0

	# 1. the fd API without tdxd: tdxctl inhibit -- CMD holds inhibit.lock
	export TDXCTL_LOCK_PATH="$SCN_DIR/update.lock"
	"$TDXCTL" inhibit --who=qemu --why="TD build" -- sh -c \
		"'$TDXCTL' --direct --store '$CATALOG' update --yes 1.5.08" >"$SCN_DIR/fd.out" 2>&1
	expect_guarded "fd inhibitor, no tdxd" "$?" "$SCN_DIR/fd.out" "veto: an inhibitor is held" 0
	# 2. a named key held with --direct
	"$TDXCTL" --direct inhibit --hold=kata:1 --who=kata --why="TD build" --ttl=120 >/dev/null
	direct_update "named key, no tdxd" "veto: key kata:1 held by kata" 0
	"$TDXCTL" --direct inhibit --release=kata:1 >/dev/null

	# with tdxd on a private bus (lock path: bus_up's)
	bus_up
	# 3. tdxd's fd inhibitor
	"$TDXCTL" inhibit --who=qemu --why="TD build" -- sh -c \
		"'$TDXCTL' update --yes 1.5.08" >"$SCN_DIR/fd-bus.out" 2>&1
	expect_guarded "fd inhibitor (tdxd job)" "$?" "$SCN_DIR/fd-bus.out" "1 inhibitor held" 0
	"$TDXCTL" inhibit --who=qemu -- sh -c \
		"'$TDXCTL' --direct --store '$CATALOG' update --yes 1.5.08" >"$SCN_DIR/fd-bus.out" 2>&1
	expect_guarded "fd inhibitor (--direct)" "$?" "$SCN_DIR/fd-bus.out" \
		"veto: an inhibitor is held" 0
	# 4. a named key through tdxd (HoldInhibitor)
	busctl --system call "${BUS_DEST[@]}" HoldInhibitor sssu kata:2 kata "TD build" 120 >/dev/null ||
		fail "HoldInhibitor"
	tdxd_update "HoldInhibitor" "key kata:2 held by kata" 0
	direct_update "HoldInhibitor" "key kata:2 held by kata" 0
	busctl --system call "${BUS_DEST[@]}" ReleaseInhibitor s kata:2 >/dev/null
	# 5. the libvirt hook with the real tdxctl (on PATH, as installed), prepare .. started
	PATH="$(dirname "$TDXCTL"):$PATH" "$LIBVIRT_HOOK" td1 prepare begin - <"$TD_XML" \
		>"$SCN_DIR/hook.out" 2>&1
	expect_eq "hook prepare exit" "$?" 0
	sed 's/^/    hook| /' "$SCN_DIR/hook.out"
	bprop HeldInhibitors >"$SCN_DIR/held"
	expect_match "HeldInhibitors after prepare" "$SCN_DIR/held" "$TD_KEY"
	tdxd_update "libvirt hook" "key $TD_KEY held by libvirt:td1" 0
	direct_update "libvirt hook" "key $TD_KEY held by libvirt:td1" 0
	# the build ends, QEMU is up: started releases, and the update goes ahead
	td_build end
	PATH="$(dirname "$TDXCTL"):$PATH" "$LIBVIRT_HOOK" td1 started begin - <"$TD_XML" \
		>"$SCN_DIR/hook.out" 2>&1
	expect_eq "hook started exit" "$?" 0
	expect_eq "HeldInhibitors after started" "$(bprop HeldInhibitors)" "a(sssut) 0"
	"$TDXCTL" update --yes 1.5.08 >"$SCN_DIR/bus.out" 2>&1 </dev/null
	expect_eq "update after started" "$?" 0
	expect_state 1.5.08 15 1
	expect_eq "fatal outcomes" "$(sim_state fatal)" 0
	bus_down
}
