#!/bin/bash
# The bash completion as installed (meson install --destdir), driven the way
# bash drives it: COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT, then COMPREPLY.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/completion-lib.sh"

# Where it went is where bash-completion's pkg-config file says, under our datadir.
CHECKS=$((CHECKS + 2))
want=$(pkg-config --define-variable=datadir="$DATADIR" --variable=completionsdir bash-completion)
[ "$BASHCOMPLETIONDIR" = "$want" ] || fail "bash completion dir $BASHCOMPLETIONDIR, pkg-config says $want"
FILE=$DEST$BASHCOMPLETIONDIR/tdxctl
[ -f "$FILE" ] || { fail "meson install put no $FILE"; finish; }

. /usr/share/bash-completion/bash_completion || { fail "bash-completion is not installed"; finish; }
. "$FILE"

# The store and tdxd.conf the completion falls back on are tdxctl's and tdxd's.
CHECKS=$((CHECKS + 2))
default_store=$("$TDXCTL" --help | sed -nE 's/.*--store=DIR .*or ([^)]*)\)$/\1/p')
[ "$__tdxctl_default_store" = "$default_store" ] ||
	fail "completion's default store '$__tdxctl_default_store', tdxctl's '$default_store'"
tdxd_conf=$("$TDXD" --help | sed -nE 's/.*--config=PATH .*\(default ([^)]*)\)$/\1/p')
[ -n "$tdxd_conf" ] && [ "$__tdxctl_tdxd_conf" = "$tdxd_conf" ] ||
	fail "completion reads '$__tdxctl_tdxd_conf', tdxd reads '$tdxd_conf'"
# Nothing of this machine from here on.
__tdxctl_default_store=$WORK/nothing __tdxctl_tdxd_conf=$WORK/tdxd.conf

# Outside a real completion compopt fails; what it would set does not matter here.
compopt() { :; }

# comp WORD...: completes the last WORD. The words are as bash splits them
# ("--store=x" is "--store" "=" "x"); the line has no blanks around "=".
# REPLY: the sorted COMPREPLY, space-separated.
comp() {
	local w prev=
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=
	for w in "$@"; do
		[ -z "$COMP_LINE" ] || [ "$w" = = ] || [ "$prev" = = ] || COMP_LINE+=" "
		COMP_LINE+=$w
		prev=$w
	done
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_tdxctl tdxctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	REPLY=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
}

# expect_comp WANT WORD...
expect_comp() {
	local want=$1
	shift
	comp "$@"
	CHECKS=$((CHECKS + 1))
	[ "$REPLY" = "$want" ] || fail "completing '$*': got '$REPLY', expected '$want'"
}

# Verbs.
expect_comp "update" tdxctl up
expect_comp "blob history inhibit list mapping plan reboot-required status update" tdxctl ""
expect_comp "info" tdxctl blob i
expect_comp "check" tdxctl mapping ""
expect_comp "status" tdxctl --direct --store /x st

# Options, and the values of --format.
expect_comp "--quiet" tdxctl status --q
expect_comp "--dry-run" tdxctl --direct update --dr
expect_comp "--store= --strict-compat --sysfs-root=" tdxctl list --s
expect_comp "0x100 0x200" tdxctl blob convert a b --format ""
expect_comp "0x200" tdxctl blob convert a b --format = 0x2

# Each verb's options are the ones its --help lists (and all of them before a verb).
for verb in "" status list plan update blob mapping history inhibit reboot-required; do
	comp tdxctl $verb --
	CHECKS=$((CHECKS + 1))
	got=$(tr ' ' '\n' <<<"$REPLY" | sort | xargs)
	want=$(help_options "$verb" | xargs)
	[ "$got" = "$want" ] || fail "tdxctl $verb --<TAB>: '$got', but --help lists '$want'"
done

# update and plan: the store's versions from directory names and the mapping file.
make_completion_store "$WORK/store"
export TDXCTL_STORE=$WORK/store
expect_comp "1.5.06 1.5.10" tdxctl update ""
expect_comp "1.5.06 1.5.10" tdxctl --direct plan ""
expect_comp "1.5.10" tdxctl update 1.5.1
expect_comp "1.5.06 1.5.10" tdxctl update --yes ""
expect_comp "" tdxctl update 1.5.06 ""
expect_comp "" tdxctl status ""
# --store on the line wins over $TDXCTL_STORE, in either spelling.
"$CLI_MKSTORE" "$WORK/other" 1.6.02 >/dev/null || exit 1
expect_comp "1.6.02" tdxctl --direct --store "$WORK/other" update ""
expect_comp "1.6.02" tdxctl --direct --store = "$WORK/other" plan ""
expect_comp "1.6.02" tdxctl update --store "$WORK/other" ""
# Without --store and $TDXCTL_STORE: tdxd.conf's store unless --direct (tdxd
# runs the command then), else the default.
unset TDXCTL_STORE
printf '# tdxd\n[Update]\nPath=/nope\n[Store]\n#Path=/nope\n  Path = %s  \n' "$WORK/other" \
	>"$WORK/tdxd.conf"
expect_comp "1.6.02" tdxctl update ""
__tdxctl_default_store=$WORK/store
expect_comp "1.5.06 1.5.10" tdxctl --direct update ""
TDXCTL_STORE=$WORK/store expect_comp "1.5.06 1.5.10" tdxctl plan ""
rm "$WORK/tdxd.conf"
expect_comp "1.5.06 1.5.10" tdxctl update ""
__tdxctl_default_store=$WORK/nothing
export TDXCTL_STORE=$WORK/store

# A mapping file on one line reads the same.
cp -r "$WORK/store" "$WORK/oneline"
tr -d '\n' <"$WORK/store/mapping_file.json" >"$WORK/oneline/mapping_file.json"
expect_comp "1.5.06 1.5.10" tdxctl --store="$WORK/oneline" update ""
unset TDXCTL_STORE
expect_comp "" tdxctl --store "$WORK/nothing" update ""

# Files and directories.
mkdir -p "$WORK/files/dir"
: >"$WORK/files/a.blob"
: >"$WORK/files/m.json"
cd "$WORK/files" || exit 1
expect_comp "a.blob dir m.json" tdxctl blob info ""
expect_comp "dir m.json" tdxctl mapping check ""
expect_comp "dir" tdxctl --store ""
expect_comp "dir" tdxctl --sysfs-root = ""

# inhibit: after --, a command line.
expect_comp "--" tdxctl inhibit --who=x ""
comp tdxctl inhibit --who=x -- bas
CHECKS=$((CHECKS + 1))
[[ " $REPLY " == *" bash "* ]] || fail "inhibit -- bas<TAB> does not offer bash: '$REPLY'"

finish
