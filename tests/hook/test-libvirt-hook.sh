#!/bin/bash
# The libvirt qemu hook (libvirt/50-tdxctl), with tdxctl stubbed: for every
# event and for TDX and other domains, exactly which tdxctl calls it makes,
# its exit status and what it prints on stdout (the XML channel of qemu.d).
set -u
HOOK=${HOOK:-$(dirname "$0")/../../libvirt/50-tdxctl}
DATA=$(cd "$(dirname "$0")/data" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
CHECKS=0
TD_UUID=0b6c4f4e-5d2a-4c52-9a4f-3f1c2f6a8e01

mkdir "$WORK/bin"
cat >"$WORK/bin/tdxctl" <<'STUB'
#!/bin/sh
# one line per call: the arguments, tab-separated
(IFS='	'; printf '%s\n' "$*") >>"$STUB_LOG"
echo "stub tdxctl: $*"
exit "${STUB_RC:-0}"
STUB
chmod +x "$WORK/bin/tdxctl"
export PATH="$WORK/bin:$PATH" STUB_LOG="$WORK/calls" TDXCTL_LIBVIRT_HOOK_CONF="$WORK/hook.conf"

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

# hook XML ARGS...: runs the hook with XML on stdin; sets RC, OUT, ERR, CALLS.
hook() {
	local xml=$1
	shift
	: >"$STUB_LOG"
	"$HOOK" "$@" <"$DATA/$xml" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	CALLS=$(cat "$STUB_LOG")
}

expect() { # RC CALLS WHAT: exit status and the exact calls (tab-separated lines)
	CHECKS=$((CHECKS + 1))
	[ "$RC" = "$1" ] || fail "$3: exit $RC, expected $1; stderr: $(cat "$WORK/err")"
	CHECKS=$((CHECKS + 1))
	[ "$CALLS" = "$2" ] || fail "$3: calls
$CALLS
expected
$2"
}

expect_stdout_empty() {
	CHECKS=$((CHECKS + 1))
	[ ! -s "$WORK/out" ] || fail "$1: stdout is not empty: $(head -c 200 "$WORK/out")"
}

expect_stdout_is_input() { # XML WHAT: the filter events print the XML unchanged
	CHECKS=$((CHECKS + 1))
	cmp -s "$WORK/out" "$DATA/$1" || fail "$2: stdout differs from the input XML"
}

T=$'\t'
HOLD_TD="inhibit${T}--hold=libvirt:$TD_UUID${T}--ttl=600${T}--who=libvirt:td1${T}--why=TD build of domain td1"
RELEASE_TD="inhibit${T}--release=libvirt:$TD_UUID"

# A TD, every event.
hook td.xml td1 prepare begin -
expect 0 "$HOLD_TD" "prepare begin"
expect_stdout_empty "prepare begin"
hook td.xml td1 start begin -
expect 0 "" "start begin"
hook td.xml td1 started begin -
expect 0 "$RELEASE_TD" "started begin"
expect_stdout_empty "started begin"
hook td.xml td1 stopped end -
expect 0 "$RELEASE_TD" "stopped end"
hook td.xml td1 release end failed
expect 0 "$RELEASE_TD" "release end failed"
hook td.xml td1 release end -
expect 0 "$RELEASE_TD" "release end (libvirt < 10.5)"
hook td.xml td1 migrate begin -
expect 0 "inhibit${T}--hold=libvirt:$TD_UUID${T}--ttl=600${T}--who=libvirt:td1${T}--why=incoming migrate of domain td1" "migrate begin"
expect_stdout_is_input td.xml "migrate begin"
hook td.xml td1 restore begin -
expect 0 "inhibit${T}--hold=libvirt:$TD_UUID${T}--ttl=600${T}--who=libvirt:td1${T}--why=incoming restore of domain td1" "restore begin"
expect_stdout_is_input td.xml "restore begin"
for ev in "reconnect begin -" "attach begin -"; do
	# shellcheck disable=SC2086
	hook td.xml td1 $ev
	expect 0 "" "$ev"
	expect_stdout_empty "$ev"
done
hook td-double-quotes.xml td2 prepare begin -
expect 0 "inhibit${T}--hold=libvirt:9d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6${T}--ttl=600${T}--who=libvirt:td2${T}--why=TD build of domain td2" \
	"prepare begin, type=\"tdx\""

# The hold fails (an update is writing, or no way to record it): the TD does not start.
STUB_RC=1 hook td.xml td1 prepare begin -
expect 1 "$HOLD_TD" "prepare begin, hold refused"
CHECKS=$((CHECKS + 1))
grep -q "cannot hold libvirt:$TD_UUID" "$WORK/err" || fail "no reason on stderr: $(cat "$WORK/err")"
STUB_RC=1 hook td.xml td1 migrate begin -
expect 1 "inhibit${T}--hold=libvirt:$TD_UUID${T}--ttl=600${T}--who=libvirt:td1${T}--why=incoming migrate of domain td1" \
	"migrate begin, hold refused"
# A failed release is not the TD's problem (the lifetime frees the host).
STUB_RC=1 hook td.xml td1 started begin -
expect 0 "$RELEASE_TD" "started begin, release failed"
hook td-no-uuid.xml broken prepare begin -
expect 1 "" "a TD without a uuid"

# Other domains: no call at all, filters pass the XML through.
for xml in plain.xml sev.xml; do
	for ev in "prepare begin -" "started begin -" "stopped end -" "release end failed"; do
		# shellcheck disable=SC2086
		hook $xml vm $ev
		expect 0 "" "$xml $ev"
		expect_stdout_empty "$xml $ev"
	done
	hook $xml vm migrate begin -
	expect 0 "" "$xml migrate begin"
	expect_stdout_is_input $xml "$xml migrate begin"
done

# The testing switch: every domain holds.
printf 'Domains=all\nTTLSec=30\n' >"$WORK/hook.conf"
hook plain.xml vm1 prepare begin -
expect 0 "inhibit${T}--hold=libvirt:aa3b6a55-7c2e-4d1f-bb0a-0123456789ab${T}--ttl=30${T}--who=libvirt:vm1${T}--why=TD build of domain vm1" \
	"Domains=all, prepare begin"
hook plain.xml vm1 release end failed
expect 0 "inhibit${T}--release=libvirt:aa3b6a55-7c2e-4d1f-bb0a-0123456789ab" "Domains=all, release end"

# Direct=yes: tdxctl --direct.
printf 'Direct=yes\n' >"$WORK/hook.conf"
hook td.xml td1 prepare begin -
expect 0 "--direct${T}$HOLD_TD" "Direct=yes"

# A bad configuration refuses rather than guessing.
for bad in "Domains=some" "TTLSec=10m" "Direct=maybe"; do
	printf '%s\n' "$bad" >"$WORK/hook.conf"
	hook td.xml td1 prepare begin -
	expect 1 "" "$bad"
done

# The test window: prepare stays open while the file exists, with the key held.
printf 'TestHoldPrepareWhile=%s\n' "$WORK/window" >"$WORK/hook.conf"
: >"$WORK/window"
: >"$STUB_LOG"
"$HOOK" td1 prepare begin - <"$DATA/td.xml" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do [ -s "$STUB_LOG" ] && break; sleep 0.1; done
sleep 0.3
CHECKS=$((CHECKS + 1))
kill -0 $pid 2>/dev/null || fail "prepare did not wait for the test window"
CHECKS=$((CHECKS + 1))
[ "$(cat "$STUB_LOG")" = "$HOLD_TD" ] || fail "window: calls $(cat "$STUB_LOG")"
rm "$WORK/window"
wait $pid
RC=$?
CHECKS=$((CHECKS + 1))
[ $RC = 0 ] || fail "prepare after the window: exit $RC"

if [ "$FAILS" -ne 0 ]; then
	echo "$FAILS of $CHECKS checks failed"
	exit 1
fi
echo "$CHECKS checks passed"
