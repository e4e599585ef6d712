#!/usr/bin/env zsh
# zsh-complete.zsh FPATH_DIR OUT LINE...: types each LINE into an interactive
# zsh (on a pty, zsh/zpty) whose fpath starts with FPATH_DIR, presses TAB and
# appends to OUT the matches the completion system offered, one per line,
# then a line "--". zsh has no COMP_WORDS: this is how it is driven.
emulate -L zsh
zmodload zsh/zpty || exit 2
local fdir=$1 out=$2 line junk
shift 2
: >$out

zpty z zsh -f -i || exit 2
# compadd is the one door every match goes through: record what it adds.
zpty -w z "PS1='> '; bindkey -e; fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "compadd() {
	if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd \"\$@\"; return; fi
	local -a hits; builtin compadd -O hits \"\$@\"; print -rl -- \$hits >>${(q)out}; builtin compadd \"\$@\"
}"
zpty -w z "__capture() { zle complete-word; print -r -- -- >>${(q)out}; }; zle -N __capture; bindkey '^I' __capture"

# The number of lines completed so far ("--" lines in OUT).
done_count() {
	local -a lines=(${(f)"$(<$out)"})
	print ${#${(M)lines:#--}}
}

local before i
for line in "$@"; do
	before=$(done_count)
	zpty -n -w z "${line}"$'\t'
	# Wait for the "--" of this line, draining the pty so zsh never blocks on it.
	for (( i = 0; i < 200; i++ )); do
		while zpty -rt z junk 2>/dev/null; do :; done
		(( $(done_count) > before )) && break
		sleep 0.05
	done
	(( i < 200 )) || { print -u2 "zsh-complete: no completion for '$line'"; exit 1 }
	zpty -n -w z $'\C-u'
done
zpty -d z
