#!/bin/bash
# Site approval through tdxd, configured by a drop-in: with ApprovedImages=
# set, only the listed module SHA-384 is installable (list and plan say
# not_approved for the others, an update to one is refused with nothing
# written); masking the drop-in with /dev/null lifts it.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
standard_setup

# The digest is the one `tdxctl list` prints.
TDXCTL_STORE=$WORK/store run --direct list
expect_rc 0 "tdxctl --direct list"
sha_08=$(awk '/^  1\.5\.08 /{getline; print $2}' "$OUT")
CHECKS=$((CHECKS + 1))
[[ $sha_08 =~ ^[0-9a-f]{96}$ ]] || fail "list shows no sha384 for 1.5.08: $(cat "$OUT")"

mkdir -p "$WORK/tdxd.conf.d"
printf '[Update]\nApprovedImages=%s\n' "$sha_08" >"$WORK/tdxd.conf.d/50-approved.conf"
stop_tdxd
start_tdxd
run list --json
expect_rc 0 "tdxctl list (approval set)"
expect_json '.candidates[] | select(.version == "1.5.10") | .reasons' '["not_approved"]'
expect_json '.candidates[] | select(.version == "1.5.08") | .installable' true
expect_json '.candidates[] | select(.version == "1.5.08") | .seamhash' "$sha_08"
run list
expect_grep "$OUT" "not in the site's ApprovedImages= list" "list text"

# The newest approved version is the best update; the unapproved one is refused.
expect_prop BestUpdate '"1.5.08"'
job=$(start_update 1.5.10)
CHECKS=$((CHECKS + 1))
[ -z "$job" ] || fail "Update to an unapproved image started job $job"
expect_grep "$ERR" 'not_approved' "Update's refusal"
CHECKS=$((CHECKS + 1))
[ ! -s "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data" ] ||
	fail "bytes were written for an unapproved image"
expect_prop ModuleVersion '"1.5.06"'

# In-process (--direct) the same site rule holds: tdxctl reads the same
# tdxd.conf and its drop-ins (TDXD_CONFIG), so no path can skip it.
TDXCTL_STORE=$WORK/store run --direct list --json
expect_rc 0 "tdxctl --direct list (approval set)"
expect_json '.candidates[] | select(.version == "1.5.10") | .reasons' '["not_approved"]'
TDXCTL_STORE=$WORK/store run --direct status --json
expect_json '.best_update.version' 1.5.08
TDXCTL_STORE=$WORK/store run --direct update 1.5.10 --yes --json
expect_rc 3 "tdxctl --direct update 1.5.10 (not approved)"
expect_json '.result' no-plan
expect_grep "$OUT" 'not_approved' "--direct update's refusal"
CHECKS=$((CHECKS + 1))
[ ! -s "$WORK/sys/devices/faux/tdx_host/firmware/tdx_module/data" ] ||
	fail "--direct wrote bytes for an unapproved image"

# Masked: every image is approved again.
ln -sf /dev/null "$WORK/tdxd.conf.d/50-approved.conf"
stop_tdxd
start_tdxd
expect_prop BestUpdate '"1.5.10"'
bus_finish
