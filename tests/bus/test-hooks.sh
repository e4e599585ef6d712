#!/bin/bash
# Hooks: a pre-update hook vetoes with its message, post-update hooks get the
# result in the environment and as JSON on stdin, unsafe post-update hooks
# are skipped.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup
pre=$WORK/hooks/pre-update.d
post=$WORK/hooks/post-update.d

cat >"$pre/50-veto" <<EOS
#!/bin/sh
echo "\$TDX_FROM \$TDX_TO \$(cat)" >"$WORK/pre.seen"
echo "TD 3 is being migrated" >&2
echo "second line" >&2
exit 1
EOS
chmod 755 "$pre/50-veto"
cat >"$post/10-report" <<EOS
#!/bin/sh
{ echo "\$TDX_FROM|\$TDX_TO|\$TDX_RESULT|\$TDX_ERROR"; cat; echo; } >>"$WORK/post.seen"
EOS
chmod 755 "$post/10-report"
# An unsafe post-update hook (world-writable) must not run and is logged;
# an unsafe pre-update hook vetoes (tests/hostile/test-daemon.sh).
printf '#!/bin/sh\ntouch %s/unsafe.ran\n' "$WORK" >"$post/05-unsafe"
chmod 757 "$post/05-unsafe"

job=$(start_update 1.5.08)
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = vetoed ] || fail "update with a vetoing hook: '$res'"
CHECKS=$((CHECKS + 1))
[[ "$(job_prop "$job" Error)" == *"50-veto failed (exit 1): TD 3 is being migrated" ]] ||
	fail "veto message: $(job_prop "$job" Error)"
expect_grep "$WORK/pre.seen" '^1.5.06 1.5.08 \{"from":"1.5.06","to":"1.5.08","target":"1.5.08",'
# What a verifier's allow-list needs before the host moves (issue 10).
sed 's/^[^{]*//' "$WORK/pre.seen" >"$OUT"
expect_json '.mrseam | test("^[0-9a-f]{96}$")' true
expect_json '.seam_svn' 1288
expect_json '.remaining_updates' 10
# The id is derived from /etc/machine-id (null where a container has none).
if [ -s /etc/machine-id ]; then
	expect_json '.host_id | test("^[0-9a-f]{32}$")' true
else
	expect_json '.host_id' null
fi
CHECKS=$((CHECKS + 1))
[ ! -e "$WORK/unsafe.ran" ] || fail "a world-writable hook ran"
expect_grep "$WORK/tdxd.log" '05-unsafe skipped: writable by group or others'
expect_empty "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data" "data after a veto"
expect_grep "$WORK/post.seen" '^1.5.06\|1.5.08\|vetoed\|.*TD 3 is being migrated$'
expect_grep "$WORK/post.seen" '"result":"vetoed"'
"${BUSCTL[@]}" call "${DEST[@]}" History >"$OUT"
expect_grep "$OUT" '"1.5.06" "1.5.08" "" "1.5.02" 10 10 "vetoed" "[^"]*pre-update hook 50-veto'

# The veto lifted, the update runs and post hooks see the success.
rm "$pre/50-veto"
start_fake_kernel success 1.5.08
job=$(start_update 1.5.08)
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = success ] || fail "update without the veto: '$res' $(job_prop "$job" Error)"
expect_grep "$WORK/post.seen" '^1.5.06\|1.5.08\|success\|$'
expect_grep "$WORK/post.seen" '"result":"success"'

# A hook that hangs is killed after TimeoutSec and vetoes.
printf '#!/bin/sh\nsleep 60\n' >"$pre/20-hang"
chmod 755 "$pre/20-hang"
stop_tdxd
write_conf "[Hooks]" "Directory=$WORK/hooks" "TimeoutSec=1"
start_tdxd
job=$(start_update "" 1 dry_run b true)
res=$(wait_job "$job")
CHECKS=$((CHECKS + 1))
[ "$res" = vetoed ] || fail "hanging hook: '$res'"
CHECKS=$((CHECKS + 1))
[[ "$(job_prop "$job" Error)" == *"20-hang timeout"* ]] || fail "timeout message: $(job_prop "$job" Error)"
bus_finish
