#!/bin/bash
# The zsh completion as installed (meson install --destdir), driven through
# an interactive zsh on a pty (zsh-complete.zsh): verbs, options, --format
# values, files, and the store's versions after update and plan.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/completion-lib.sh"

DIR=$DEST$ZSHCOMPLETIONDIR
CHECKS=$((CHECKS + 1))
[ -f "$DIR/_tdxctl" ] || { fail "meson install put no $DIR/_tdxctl"; finish; }
command -v zsh >/dev/null || { fail "zsh is not installed (tools/install-deps.sh)"; finish; }

make_completion_store "$WORK/store"
"$CLI_MKSTORE" "$WORK/other" 1.6.02 >/dev/null || exit 1
mkdir -p "$WORK/files/dir"
: >"$WORK/files/a.blob"
: >"$WORK/files/m.json"
cd "$WORK/files" || exit 1

# Each case: the line typed, then the matches wanted (sorted, space-separated).
CASES=(
	"tdxctl up" "update"
	"tdxctl " "blob history inhibit list mapping plan reboot-required status update"
	"tdxctl blob " "convert info join"
	"tdxctl status --q" "--quiet"
	"tdxctl blob convert a b --format=" "0x100 0x200"
	"tdxctl update " "1.5.06 1.5.10"
	"tdxctl plan 1.5.1" "1.5.10"
	"tdxctl --direct plan " "1.6.02"
	"tdxctl --store=$WORK/other update " "1.6.02"
	"tdxctl plan --store $WORK/other " "1.6.02"
	"tdxctl status 1" ""
	"tdxctl blob info " "a.blob dir m.json"
	"tdxctl mapping check " "dir m.json"
	"tdxctl --store " "dir"
)
# Each verb's options are the ones its --help lists (zsh adds the "=" itself).
VERBS=("" status list plan update blob mapping history inhibit reboot-required)
for verb in "${VERBS[@]}"; do
	CASES+=("tdxctl ${verb:+$verb }--" "$(help_options "$verb" | tr -d = | sort | xargs)")
done

LINES_TYPED=()
for ((i = 0; i < ${#CASES[@]}; i += 2)); do
	LINES_TYPED+=("${CASES[i]}")
done
# No $TDXCTL_STORE: tdxd.conf's store, or with --direct the default one.
printf '[Store]\nPath=%s\n' "$WORK/store" >"$WORK/tdxd.conf"
unset TDXCTL_STORE
HOME=$WORK __tdxctl_tdxd_conf=$WORK/tdxd.conf __tdxctl_default_store=$WORK/other \
	zsh -f "$(dirname "$0")/zsh-complete.zsh" "$DIR" \
	"$WORK/zsh.out" "${LINES_TYPED[@]}" || fail "zsh-complete failed"

# Split the output at the "--" lines, one block per line typed.
mapfile -t OUTPUT <"$WORK/zsh.out"
block=0 got=()
for l in "${OUTPUT[@]}" ; do
	if [ "$l" = -- ]; then
		GOT[block]=$(printf '%s\n' "${got[@]}" | sed '/^$/d' | sort -u | xargs)
		block=$((block + 1)) got=()
	else
		got+=("$l")
	fi
done
for ((i = 0; i < ${#CASES[@]}; i += 2)); do
	CHECKS=$((CHECKS + 1))
	[ "${GOT[i / 2]-}" = "${CASES[i + 1]}" ] ||
		fail "zsh completing '${CASES[i]}': got '${GOT[i / 2]-}', expected '${CASES[i + 1]}'"
done

finish
