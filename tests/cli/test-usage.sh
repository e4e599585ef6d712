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
expect_grep "$ERR" -- '--reserve'

run --cpu-signature=zz status
expect_rc 2 "--cpu-signature=zz"

run --timeout=0 update
expect_rc 2 "--timeout=0"

run blob join a b c
expect_rc 2 "blob join without --format"
expect_grep "$ERR" -- '--format'

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

run --version
expect_rc 0 "--version"
expect_grep "$OUT" '^tdxctl [0-9]'

finish
