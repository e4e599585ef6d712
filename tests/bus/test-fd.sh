#!/bin/bash
# UpdateFromFd identifies the caller's image by its seamhash against the
# store; unknown or invalid images are refused. Also: ReapplyAtBoot, a
# missing KernelModule, and a daemon killed in the middle of a job.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup
blob=$WORK/store/joined_files/1.5/tdx_module_1.5.08.blob

# busctl cannot send fds: fd-update (a small sd-bus client) does the call.
fd_update() { # FILE [dry_run] [version=V]
	"$FD_UPDATE" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

fd_update "$blob" dry_run
expect_rc 0 "UpdateFromFd with a store image"
job=$(cat "$OUT")
CHECKS=$((CHECKS + 1))
[ "$(wait_job "$job")" = dry-run-passed ] || fail "fd dry run: $(job_prop "$job" Error)"
CHECKS=$((CHECKS + 1))
[ "$(job_prop "$job" Target)" = 1.5.08 ] || fail "fd job target: $(job_prop "$job" Target)"

fd_update "$blob" dry_run version=1.5.10
expect_rc 1 "UpdateFromFd with a wrong version option"
expect_grep "$ERR" 'image is 1.5.08 in the store, not 1.5.10'

# An image the store does not know: refused, its compatibility is unknown.
"$CLI_MKSTORE" "$WORK/other" 1.5.12 >/dev/null
fd_update "$WORK/other/joined_files/1.5/tdx_module_1.5.12.blob"
expect_rc 1 "UpdateFromFd with an unknown image"
expect_grep "$ERR" '^org.tdxctl.tdx1.Error.UnknownImage: .*matches no module in the store'

head -c 10000 /dev/urandom >"$WORK/junk.bin"
fd_update "$WORK/junk.bin"
expect_rc 1 "UpdateFromFd with junk"
expect_grep "$ERR" '^org.tdxctl.tdx1.Error.InvalidImage: image: '
# One signed byte changed, checksum re-fixed: refused for its signature.
cp "$blob" "$WORK/tampered.blob"
tamper_signed "$WORK/tampered.blob"
fd_update "$WORK/tampered.blob" dry_run
expect_rc 1 "UpdateFromFd with a tampered image"
expect_grep "$ERR" '^org.tdxctl.tdx1.Error.InvalidImage: image: signature does not verify'
mkfifo "$WORK/fifo"
fd_update "$WORK/fifo"
expect_rc 1 "UpdateFromFd with a pipe"
expect_grep "$ERR" 'must be a regular file'

# Killed in the middle of a job (in a pre-update hook): nothing was written,
# the lock is free again, the restarted daemon serves and updates.
printf '#!/bin/sh\nsleep 30\n' >"$WORK/hooks/pre-update.d/10-slow"
chmod 755 "$WORK/hooks/pre-update.d/10-slow"
job=$(start_update 1.5.08)
sleep 0.5
kill -9 "$TDXD_PID"
wait "$TDXD_PID" 2>/dev/null
rm "$WORK/hooks/pre-update.d/10-slow"
start_tdxd
expect_prop ModuleVersion '"1.5.06"'
expect_prop UpdateState '"idle"'
start_fake_kernel success 1.5.08
job=$(start_update 1.5.08)
CHECKS=$((CHECKS + 1))
[ "$(wait_job "$job")" = success ] || fail "update after a restart: $(job_prop "$job" Error)"

# ReapplyAtBoot: after a "reboot" (the fixture back at 1.5.06) the daemon
# re-applies on its own at start the version it installed last (1.5.08,
# from installed.json), not Target= or the newest.
stop_tdxd
set_sysfs "$WORK/sys" version=1.5.06
write_conf "[Update]" "ReapplyAtBoot=yes" "Target=1.5.10" "[Daemon]" "KernelModule=tdx_no_such_module"
start_tdxd
wait_for 50 sh -c "busctl --system get-property org.tdxctl.tdx1 /org/tdxctl/tdx1 org.tdxctl.tdx1.Manager LastResult | grep -q success"
expect_prop ModuleVersion '"1.5.08"'
expect_grep "$WORK/tdxd.log" 're-apply at start: job [0-9]+ re-applies 1.5.08 over 1.5.06'
# KernelModule= is only tried when there is no tdx_host device.
expect_no_grep "$WORK/tdxd.log" 'tdx_no_such_module'
stop_tdxd
rm -rf "$WORK/sys/devices/faux"
start_tdxd
expect_grep "$WORK/tdxd.log" 'cannot load kernel module tdx_no_such_module'
expect_prop ModuleState '"absent"'
bus_finish
