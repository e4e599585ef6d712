#!/bin/bash
# An unknown host input never looks like success (issue 7, defect 3): with
# the P-SEAMLDR version garbage, empty, negative or missing, update and plan
# exit 3 naming the unknown input, in text and JSON, and nothing is written.
# Every other sysfs input (module version, remaining updates, CPU lists)
# refuses the update too.
. "$(dirname "$0")/lib.sh"
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 >/dev/null || exit 1
export TDXCTL_STORE=$WORK/store TDXCTL_SYSFS_ROOT=$WORK/sys
HOST=$WORK/sys/devices/faux/tdx_host
DATA=$HOST/firmware/tdx_module/data

# set_input WORD VALUE|MISSING: a fresh tree with the attribute of make_sysfs's
# WORD (seamldr, version, remaining, online, present) reading VALUE, or absent.
set_input() {
	local -A rel=([seamldr]=$HOST/seamldr_version [version]=$HOST/version
		[remaining]=$HOST/num_remaining_updates [online]=$WORK/sys/devices/system/cpu/online
		[present]=$WORK/sys/devices/system/cpu/present)
	rm -rf "$WORK/sys"
	if [ "$2" = MISSING ]; then
		make_sysfs "$WORK/sys"
		rm -f "${rel[$1]}"
	else
		make_sysfs "$WORK/sys" "$1=$2"
	fi
}

for v in garbage "" -1 99999999999.5.02 MISSING; do
	set_input seamldr "$v"
	run update --yes
	expect_rc 3 "update, seamldr_version '$v'"
	expect_grep "$ERR" "P-SEAMLDR version is unknown"
	expect_one_error_line
	expect_no_grep "$OUT" "Up to date" "update stdout, seamldr_version '$v'"
	expect_empty "$DATA" "data, seamldr_version '$v'"
	run update --yes --json
	expect_rc 3 "update --json, seamldr_version '$v'"
	expect_json '.result' no-plan
	expect_json '.error | contains("P-SEAMLDR version is unknown")' true
	run plan
	expect_rc 3 "plan, seamldr_version '$v'"
	expect_grep "$ERR" "P-SEAMLDR version is unknown"
	run status
	expect_grep "$OUT" "Best update: unknown \\(the P-SEAMLDR version is unknown"
	run status --json
	expect_json '.best_update.state' unknown
	run list
	expect_no_grep "$OUT" "root needed" "list, seamldr_version '$v'"
	expect_grep "$OUT" "P-SEAMLDR version is unknown"
done

# The other inputs: never exit 0, never a write.
for f in version remaining online present; do
	for v in garbage "" -1 MISSING; do
		set_input "$f" "$v"
		run update --yes
		CHECKS=$((CHECKS + 1))
		[ "$RC" != 0 ] || fail "update exit 0 with $f '$v'"
		expect_one_error_line
		expect_empty "$DATA" "data, $f '$v'"
	done
done
finish
