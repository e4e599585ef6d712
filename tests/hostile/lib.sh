# Shared helpers for the hostile corpus (sourced after ../cli/lib.sh). A case
# plants one hostile thing in a store, a mapping file, a configuration or a
# hooks directory, runs the tools against it and checks the three promises
# of issue 7: a bounded time, one clear error line, nothing written.
# shellcheck source=../cli/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
# Unprivileged cases (setpriv) must reach $WORK.
chmod 755 "$WORK"

# Every run is killed after this many seconds; a case passes only well
# inside it. Generous: ASan builds on a loaded 2-core machine.
BOUND=${HOSTILE_BOUND:-30}
DATA=

# timed ARGS...: runs ARGS with the bound; sets RC, ELAPSED (ms).
timed() {
	local t0=$EPOCHREALTIME t1
	timeout -s KILL "$BOUND" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	t1=$EPOCHREALTIME
	ELAPSED=$(( (${t1/./} - ${t0/./}) / 1000 ))
}

# expect_bounded WHAT: the last timed run finished, with time to spare.
expect_bounded() {
	CHECKS=$((CHECKS + 1))
	[ "$RC" != 137 ] || fail "$1: still running after ${BOUND} s (killed)"
}

# expect_nothing_written WHAT: fw_upload's data and loading untouched.
expect_nothing_written() {
	expect_fw_untouched "${DATA%/data}" "$1: fw_upload"
}

# hostile_verbs CASE REASON-REGEX: list, status, plan and update (text and
# JSON) on the current store. Each is bounded and writes nothing; update and
# plan refuse with exactly one stderr line naming the reason; list and
# status name it somewhere in their output; the JSON documents parse.
hostile_verbs() {
	local name=$1 reason=$2 v
	for v in list status; do
		timed "$TDXCTL" --direct "$v"
		expect_bounded "$name: $v"
		cat "$OUT" "$ERR" >"$WORK/both"
		expect_grep "$WORK/both" "$reason" "$name: $v output"
		CHECKS=$((CHECKS + 1))
		[ "$(wc -l <"$ERR")" -le 1 ] || fail "$name: $v: more than one stderr line: $(cat "$ERR")"
		timed "$TDXCTL" --direct "$v" --json
		expect_bounded "$name: $v --json"
		[ -s "$OUT" ] || continue # the --json refusal documents: issue 7's last bullet
		expect_valid_json "$name: $v --json" "$OUT"
	done
	for v in plan "update --yes" "update --yes --json"; do
		# shellcheck disable=SC2086 # v is a verb and its options
		timed "$TDXCTL" --direct $v
		expect_bounded "$name: $v"
		CHECKS=$((CHECKS + 1))
		[ "$RC" != 0 ] || fail "$name: $v exited 0"
		expect_one_error_line
		expect_grep "$ERR" "$reason" "$name: $v stderr"
		expect_nothing_written "$name: $v"
	done
}
