#!/bin/bash
# Usage errors exit 2 with one line; --help and --version exit 0.
. "$(dirname "$0")/lib.sh"

run
expect_rc 2 "no command"
expect_one_error_line

run frobnicate
expect_rc 2 "unknown command"
expect_grep "$ERR" 'unknown command "frobnicate"'

run --no-such-option status
expect_rc 2 "unknown option"

run status extra
expect_rc 2 "status with an argument"
expect_grep "$ERR" 'too many arguments'

run plan 1.5
expect_rc 2 "plan with a bad version"
expect_grep "$ERR" '"1.5" is not a version'

run --reserve=abc status
expect_rc 2 "--reserve=abc"
expect_grep "$ERR" '--reserve'

run --cpu-signature=zz status
expect_rc 2 "--cpu-signature=zz"

run --timeout=0 update
expect_rc 2 "--timeout=0"

run blob join a b c
expect_rc 2 "blob join without --format"
expect_grep "$ERR" '--format'

run blob convert a --format=0x200
expect_rc 2 "blob convert with one file"

run blob frob x
expect_rc 2 "blob frob"

run mapping frob
expect_rc 2 "mapping frob"

run --format=0x300 blob convert a b
expect_rc 2 "--format=0x300"

run --help
expect_rc 0 "--help"
expect_grep "$OUT" 'Exit status'
expect_grep "$OUT" '4 FATAL'
expect_empty "$ERR" "stderr of --help"

# A verb's help: its synopsis, its options and its exit codes, wherever --help stands.
run update --help
expect_rc 0 "update --help"
expect_grep "$OUT" '^tdxctl \[OPTIONS\.\.\.\] update \[VERSION\]'
expect_grep "$OUT" '--dry-run'
expect_grep "$OUT" '--timeout=SECONDS'
expect_grep "$OUT" '^ +4 FATAL'
expect_no_grep "$OUT" '--format|--quiet|--who'
expect_no_grep "$OUT" '^Commands'
expect_empty "$ERR" "stderr of update --help"
run --help status
expect_rc 0 "--help status"
expect_grep "$OUT" '-q --quiet'
expect_grep "$OUT" '^ +10 status --quiet: an update is available'
expect_grep "$OUT" '^ +11 status --quiet: the module was lost'
expect_grep "$OUT" '^ +12 status --quiet: state unknown'
expect_no_grep "$OUT" '--dry-run|--yes|^ +4 '
run blob convert -h
expect_rc 0 "blob convert -h"
expect_grep "$OUT" 'blob convert IN OUT --format=FMT'
expect_grep "$OUT" '--format=FMT'
expect_no_grep "$OUT" '--store'
run inhibit --help
expect_grep "$OUT" '--who=WHO'
# --quiet is status's: other commands refuse it.
run list --quiet
expect_rc 2 "list --quiet"
expect_one_error_line
expect_grep "$ERR" '^tdxctl: --quiet: only status takes it'

# Not a verb: the general help.
run --help frobnicate
expect_rc 0 "--help with an unknown word"
expect_grep "$OUT" '^Commands:'

run --version
expect_rc 0 "--version"
expect_grep "$OUT" '^tdxctl [0-9]'

finish
