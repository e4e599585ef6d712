#!/bin/bash
# Issue 11: a verb pays only for what it uses. --direct and the blob and
# mapping verbs never map libsystemd (the bus back-end is tdxctl-bus.so,
# loaded only to talk to tdxd); a routed verb does load it, which shows that
# this test can see the mapping at all. The dynamic loader reports every
# object it maps with LD_DEBUG=libs. Built with cli_static_libs (the
# default, CLI_STATIC_LIBS=true), tdxctl maps libc and GMP, no other library.
. "$(dirname "$0")/lib.sh"

make_sysfs "$WORK/sys"
export TDXCTL_SYSFS_ROOT=$WORK/sys
"$CLI_MKSTORE" "$WORK/store" 1.5.06 1.5.08 || exit 1
"$CLI_MKSTORE" "$WORK/blobs" --separate 1.5.08 || exit 1
image=$(find "$WORK/store" -name '*1.5.08*.blob' | head -n 1)

# loaded ARGS...: runs tdxctl ARGS with LD_DEBUG=libs; $LOADED lists what it mapped.
LOADED=$WORK/ld-debug
loaded() {
	LD_DEBUG=libs "$TDXCTL" "$@" >"$OUT" 2>"$LOADED" </dev/null
	RC=$?
}

for args in "--direct status" "--direct list --json" "--direct plan" \
	"--direct update 1.5.08 --dry-run --yes" "--direct history" "--version" \
	"blob info $image" "mapping check $TEST_DATA_DIR/mapping_file-14c28ce.json"; do
	# shellcheck disable=SC2086 # the words are the arguments
	loaded --store "$WORK/store" $args
	expect_grep "$LOADED" 'libc\.so\.6' "LD_DEBUG of tdxctl $args (the loader's report)"
	expect_no_grep "$LOADED" 'libsystemd\.so|tdxctl-bus\.so' "tdxctl $args"
	[ "${CLI_STATIC_LIBS:-}" != true ] ||
		expect_no_grep "$LOADED" 'lib(json-c|cpuid|nettle|hogweed)\.so' \
			"tdxctl $args (static json-c, libcpuid, Nettle, hogweed)"
done

# Routed without a bus: the module is loaded, finds no bus, and list runs in-process.
TDXCTL_STORE=$WORK/store loaded list
expect_rc 0 "list without a bus"
expect_grep "$LOADED" 'tdxctl-bus\.so' "routed list"
expect_grep "$LOADED" 'libsystemd\.so' "routed list"
# The module parses with tdxctl's json-c: no second copy to map (issue 11).
[ "${CLI_STATIC_LIBS:-}" != true ] ||
	expect_no_grep "$LOADED" 'libjson-c\.so' "routed list (tdxctl-bus.so uses tdxctl's json-c)"
finish
