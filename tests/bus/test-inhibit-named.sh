#!/bin/bash
# Named inhibitors with a lifetime (HoldInhibitor, tdxctl inhibit --hold):
# held keys refuse tdxd's jobs and --direct updates alike with nothing
# written to data, survive a tdxd restart, show in HeldInhibitors whoever
# wrote them, are authorized like Inhibit, and expire (logged with
# MESSAGE_ID) after at most [Inhibit] MaxHoldSec=.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
export TDXD_CONFIG="$WORK/tdxd.conf" # --direct reads MaxHoldSec= from tdxd's file
standard_setup "[Inhibit]" "MaxHoldSec=30"
DATA=$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data
EXPIRED_ID=5c1f0e7a9b2d4e0c8a61f3d2b7e49a22

held_json() { "$TDXCTL" inhibit --list --json; }
expect_held() { # JQ-FILTER WHAT: true on inhibit --list --json
	CHECKS=$((CHECKS + 1))
	held_json | jq -e "$1" >/dev/null || fail "$2: $(held_json)"
}

# Through tdxd; the ttl is cut to MaxHoldSec=.
run inhibit --hold=libvirt:u1 --who=libvirt --why="TD build" --ttl=600
expect_rc 0 "inhibit --hold through tdxd"
expect_grep "$OUT" '^libvirt:u1 held until '
expect_grep "$WORK/tdxd.log" 'inhibitor key libvirt:u1 held \(who=libvirt, why=TD build'
# the expiry (CLOCK_REALTIME usec) varies: a pattern
CHECKS=$((CHECKS + 1))
[[ "$(prop HeldInhibitors)" =~ ^1\ \"libvirt:u1\"\ \"libvirt\"\ \"TD\ build\"\ 0\ [0-9]{16}$ ]] ||
	fail "HeldInhibitors: $(prop HeldInhibitors)"
expect_held "length == 1 and .[0].key == \"libvirt:u1\" and .[0].who == \"libvirt\" and
	.[0].expires_usec <= ($(date +%s) + 31) * 1000000" "held for at most MaxHoldSec"
# status lists it, text and JSON, through tdxd and --direct alike
for route in "" --direct; do
	run $route status
	expect_grep "$OUT" '^Held inhibitors: libvirt:u1 by libvirt, [0-9]+s left: TD build$' \
		"status $route"
	run $route status --json
	CHECKS=$((CHECKS + 1))
	jq -e '.held_inhibitors | length == 1 and .[0].key == "libvirt:u1" and .[0].uid == 0' \
		"$OUT" >/dev/null || fail "status $route --json: $(cat "$OUT")"
done
# a second hold extends it and is still one key
run inhibit --hold=libvirt:u1 --who=libvirt --why="TD build" --ttl=600
expect_rc 0 "inhibit --hold again"
expect_held 'length == 1' "held twice is one key"

# tdxd's job is refused, naming the key, and nothing reaches data.
job=$(start_update "")
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = vetoed ] || fail "update under a held key: '$res'"
CHECKS=$((CHECKS + 1))
[[ "$(job_prop "$job" Error)" == *"key libvirt:u1 held by libvirt"* ]] ||
	fail "veto error: $(job_prop "$job" Error)"
expect_empty "$DATA" "data under a held key"

# --direct update refuses too.
TDXCTL_STORE=$WORK/store "$TDXCTL" --direct update --yes >"$OUT" 2>"$ERR" </dev/null
RC=$?
expect_rc 1 "--direct update under a held key"
expect_grep "$ERR" 'veto: key libvirt:u1 held by libvirt for [0-9]+s more \(TD build\)'
expect_empty "$DATA" "data under a held key (--direct)"

# The key survives a tdxd restart.
stop_tdxd
start_tdxd
CHECKS=$((CHECKS + 1))
[[ "$(prop HeldInhibitors)" == '1 "libvirt:u1"'* ]] || fail "after restart: $(prop HeldInhibitors)"

# Without polkit a non-root caller may neither hold nor release.
as_nobody gdbus call --system --dest org.tdxctl.tdx1 --object-path /org/tdxctl/tdx1 \
	--method org.tdxctl.tdx1.Manager.ReleaseInhibitor libvirt:u1 >"$OUT" 2>&1
RC=$?
expect_rc 1 "ReleaseInhibitor as nobody without polkit"
expect_grep "$OUT" 'org.tdxctl.tdx1.Error.AccessDenied'
as_nobody gdbus call --system --dest org.tdxctl.tdx1 --object-path /org/tdxctl/tdx1 \
	--method org.tdxctl.tdx1.Manager.HoldInhibitor mine me why 60 >"$OUT" 2>&1
RC=$?
expect_rc 1 "HoldInhibitor as nobody without polkit"
expect_grep "$OUT" 'org.tdxctl.tdx1.Error.AccessDenied'

# Bad input: one clear line, nothing held.
run inhibit --hold=../etc --who=x
expect_rc 2 "a key with a slash"
expect_grep "$ERR" "the key \"../etc\" starts with '.'"
call HoldInhibitor sssu "a b" who why 60
expect_rc 1 "HoldInhibitor with a space in the key"
expect_grep "$ERR" "has ' ' at byte 1"

# Released: the update goes ahead.
run inhibit --release=libvirt:u1
expect_rc 0 "inhibit --release"
expect_grep "$OUT" '^libvirt:u1 released$'
run inhibit --release=libvirt:u1
expect_rc 0 "inhibit --release of a key not held"
expect_grep "$OUT" '^libvirt:u1 was not held$'
expect_prop HeldInhibitors 0
run status --json
CHECKS=$((CHECKS + 1))
jq -e '.held_inhibitors == []' "$OUT" >/dev/null || fail "status after the release: $(cat "$OUT")"
run status
expect_no_grep "$OUT" 'Held inhibitors' "status text without keys"
start_fake_kernel success 1.5.10
job=$(start_update "")
expect_job "$job" success "update after the release"

# A key held with --direct (tdxd running) shows on the bus and refuses tdxd's jobs.
run --direct inhibit --hold=kata:9 --who=kata --ttl=60
expect_rc 0 "--direct inhibit --hold"
wait_for 30 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager HeldInhibitors | grep -q kata:9"
CHECKS=$((CHECKS + 1))
[[ "$(prop HeldInhibitors)" == '1 "kata:9" "kata" "" 0 '* ]] || fail "--direct key: $(prop HeldInhibitors)"
job=$(start_update "" 1 reinstall b true)
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = vetoed ] || fail "update under a --direct key: '$res'"
run --direct inhibit --release=kata:9
expect_rc 0 "--direct inhibit --release"
wait_for 30 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager HeldInhibitors | grep -qx 'a(sssut) 0'"
expect_prop HeldInhibitors 0

# A key nobody releases expires: gone from the property, logged with its MESSAGE_ID, and
# the update goes ahead.
call HoldInhibitor sssu lost:1 libvirt "never released" 2
expect_rc 0 "HoldInhibitor with a 2 s ttl"
job=$(start_update "" 1 reinstall b true)
CHECKS=$((CHECKS + 1))
[ "$(wait_job "$job")" = vetoed ] || fail "update before the expiry"
wait_for 60 grep -q "inhibitor key lost:1 expired without a release.*MESSAGE_ID=$EXPIRED_ID" \
	"$WORK/tdxd.log"
expect_grep "$WORK/tdxd.log" "inhibitor key lost:1 expired without a release \(who=libvirt, why=never released.*MESSAGE_ID=$EXPIRED_ID"
expect_prop HeldInhibitors 0
CHECKS=$((CHECKS + 1))
[ ! -e "$WORK/inhibit.d/lost:1" ] || fail "the expired key file is still there"
start_fake_kernel success 1.5.10
job=$(start_update "" 1 reinstall b true)
expect_job "$job" success "update after the expiry"

# [Inhibit] YoungTdSec=: refused while a KVM VM is younger than the limit and TDs may
# exist (the fixture's <root>/kernel/debug/kvm/<pid>-<fd>, as KVM_CREATE_VM makes it),
# and while the VMs' ages cannot be seen; in tdxd's jobs and --direct alike.
stop_tdxd
write_conf "[Inhibit]" "YoungTdSec=60"
start_tdxd
young_refused() { # REGEX WHAT
	local job
	job=$(start_update "" 1 reinstall b true)
	CHECKS=$((CHECKS + 1))
	[ "$(wait_job "$job")" = vetoed ] || fail "$2 (tdxd): $(job_prop "$job" Error)"
	CHECKS=$((CHECKS + 1))
	[[ "$(job_prop "$job" Error)" =~ $1 ]] || fail "$2 (tdxd): $(job_prop "$job" Error)"
	TDXCTL_STORE=$WORK/store "$TDXCTL" --direct update --yes --reinstall >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	expect_rc 1 "$2 (--direct)"
	expect_grep "$ERR" "$1" "$2 (--direct)"
	expect_empty "$DATA" "data: $2"
}
young_refused "debugfs is not mounted at /sys/kernel/debug\) and TDs may exist" "no debugfs"
mkdir -p "$WORK/sys/kernel/debug/kvm/4242-17"
young_refused "KVM VM 4242-17 is [0-9]+s old, younger than YoungTdSec= \(1m 0s\)" "a young VM"
touch -d '-2 min' "$WORK/sys/kernel/debug/kvm/4242-17"
start_fake_kernel success 1.5.10
job=$(start_update "" 1 reinstall b true)
expect_job "$job" success "update once the VM is older than YoungTdSec="
bus_finish
