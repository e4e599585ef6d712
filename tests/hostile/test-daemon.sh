#!/bin/bash
# The hostile corpus against tdxd on a private bus (issue 7): a FIFO in the
# store answered by GetList/GetStatus for nobody and SIGTERM still honoured; hooks
# directories with more hooks than run, an unsafe, a symlinked and a FIFO
# veto hook, a hook leaving a background helper; a FIFO history and config.
# Each: bounded time, one clear reason, nothing written.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
BOUND=30
DATA=$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data
pre=$WORK/hooks/pre-update.d
standard_setup

# bounded_call WHAT CMD...: CMD finishes within BOUND s.
bounded_call() {
	local what=$1
	shift
	timeout -s KILL "$BOUND" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	CHECKS=$((CHECKS + 1))
	[ "$RC" != 137 ] || fail "$what: no answer within $BOUND s"
}

# expect_vetoed WHAT REGEX: an update job is vetoed with REGEX in its error, nothing written.
expect_vetoed() {
	local job
	job=$(start_update 1.5.08)
	expect_job "$job" vetoed "$1"
	CHECKS=$((CHECKS + 1))
	[[ "$(job_prop "$job" Error)" =~ $2 ]] || fail "$1: error '$(job_prop "$job" Error)' lacks /$2/"
	expect_empty "$DATA" "$1: fw_upload data"
}

# --- a FIFO in the store: GetList for nobody answers, tdxd still stops on SIGTERM ---
rm "$WORK/store/joined_files/1.5/tdx_module_1.5.10.blob"
mkfifo "$WORK/store/joined_files/1.5/tdx_module_1.5.10.blob"
"${BUSCTL[@]}" call "${DEST[@]}" Refresh >/dev/null 2>&1
bounded_call "GetList as nobody" setpriv --reuid=65534 --regid=65534 --clear-groups "${BUSCTL[@]}" call "${DEST[@]}" GetList a{sv} 0
expect_rc 0 "GetList with a FIFO in the store"
expect_grep "$OUT" '^h [0-9]+$' "GetList's reply (a sealed memfd)"
# tdxctl reads that memfd as nobody; TDXCTL_STORE is unset, so a fallback in-process would not see the FIFO.
bounded_call "list --json as nobody" setpriv --reuid=65534 --regid=65534 --clear-groups "$TDXCTL" --json list
expect_rc 0 "list --json through tdxd with a FIFO in the store"
expect_grep "$OUT" "is a FIFO"
bounded_call "Ping after the GetList" "${BUSCTL[@]}" call org.tdxctl.tdx1 /org/tdxctl/tdx1 org.freedesktop.DBus.Peer Ping
expect_rc 0 "Ping"
rm "$WORK/store/mapping_file.json"
mkfifo "$WORK/store/mapping_file.json"
bounded_call "Refresh with a FIFO mapping" "${BUSCTL[@]}" call "${DEST[@]}" Refresh
bounded_call "GetStatus as nobody" setpriv --reuid=65534 --regid=65534 --clear-groups "${BUSCTL[@]}" call "${DEST[@]}" GetStatus
expect_grep "$OUT" "mapping_file.json: is a FIFO"
t0=$EPOCHREALTIME
kill -TERM "$TDXD_PID"
timeout -s KILL "$BOUND" tail --pid="$TDXD_PID" -f /dev/null
CHECKS=$((CHECKS + 1))
kill -0 "$TDXD_PID" 2>/dev/null && fail "tdxd ignores SIGTERM with a FIFO in the store"
wait "$TDXD_PID" 2>/dev/null
TDXD_PID=
rm -rf "$WORK/store"
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 1.5.10 >/dev/null || exit 1

# --- a FIFO history: tdxd starts (the history is quarantined), bounded ---
mkfifo "$WORK/state/history.json"
start_tdxd
expect_grep "$WORK/tdxd.log" "history.json is corrupt \\(is a FIFO, not a regular file\\); moved to"

# --- hooks: 64 passing and a 65th that vetoes: refused, never silently capped ---
for i in $(seq -w 1 64); do
	printf '#!/bin/sh\nexit 0\n' >"$pre/$i-ok"
	chmod 755 "$pre/$i-ok"
done
printf '#!/bin/sh\necho "no, TD 9 is migrating" >&2\nexit 1\n' >"$pre/zz-veto"
chmod 755 "$pre/zz-veto"
expect_vetoed "65 hooks" "pre-update.d holds 65 hooks, at most 64 run; none was run"
rm -f "$pre"/*-ok
expect_vetoed "the 65th alone" "zz-veto failed \(exit 1\): no, TD 9 is migrating"

# --- an unsafe, a symlinked, a FIFO veto hook: each blocks, named ---
chmod 775 "$pre/zz-veto"
expect_vetoed "group-writable veto hook" "pre-update hook zz-veto cannot run \(writable by group or others\); a veto that cannot run blocks the update"
chmod 755 "$pre/zz-veto"
mv "$pre/zz-veto" "$WORK/veto-target"
ln -s "$WORK/veto-target" "$pre/zz-veto"
expect_vetoed "symlinked veto hook" "pre-update hook zz-veto cannot run \(cannot open: Too many levels of symbolic links\)"
rm "$pre/zz-veto"
mkfifo "$pre/zz-veto"
expect_vetoed "FIFO veto hook" "pre-update hook zz-veto cannot run \(not a regular file\)"
rm "$pre/zz-veto"

# --- a hook that leaves a helper holding stderr: judged by its own exit ---
printf '#!/bin/sh\necho "helper started" >&2\nsetsid sleep 30 &\nexit 0\n' >"$pre/10-helper"
chmod 755 "$pre/10-helper"
start_fake_kernel success 1.5.08
job=$(start_update 1.5.08)
expect_job "$job" success "update with a backgrounded helper in a hook"
pkill -f -x "sleep 30" 2>/dev/null # our own helper: its exact command line
stop_tdxd

# --- a FIFO configuration: tdxd exits at once with one line ---
rm "$WORK/tdxd.conf"
mkfifo "$WORK/tdxd.conf"
bounded_call "tdxd with a FIFO config" "$TDXD" --config="$WORK/tdxd.conf"
CHECKS=$((CHECKS + 1))
[ "$RC" = 1 ] || fail "tdxd with a FIFO config exited $RC, expected 1"
expect_grep "$ERR" "tdxd.conf: is a FIFO"
bus_finish
