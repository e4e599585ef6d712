# Shared by the completion tests (sourced after lib.sh): installs the
# completion files with `meson install --destdir` into $WORK/dest and builds
# the synthetic store the version completions read.

: "${BUILD_ROOT:?BUILD_ROOT must name the meson build directory}"
: "${BASHCOMPLETIONDIR:?}" "${ZSHCOMPLETIONDIR:?}"

DEST=$WORK/dest
meson install -C "$BUILD_ROOT" --no-rebuild --quiet --tags completion --destdir "$DEST" \
	>"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; echo "FAIL: meson install"; exit 1; }

# make_completion_store DIR: versions 1.5.06 (joined) and 1.5.10 (separate
# files only) can be named; 1.5.08 has no image, 1.5.12 lacks its sigstruct,
# 1.5.99 has an image but no mapping entry.
make_completion_store() {
	local s=$1
	"$CLI_MKSTORE" --separate "$s" 1.5.06 1.5.08 1.5.10 1.5.12 >/dev/null || exit 1
	rm -r "$s/joined_files/1.5/tdx_module_1.5.08.blob" "$s/separate_files/1.5/1.5.08" \
		"$s/joined_files/1.5/tdx_module_1.5.10.blob" \
		"$s/joined_files/1.5/tdx_module_1.5.12.blob" \
		"$s/separate_files/1.5/1.5.12/tdx_module_1.5.12.sigstruct"
	cp "$s/joined_files/1.5/tdx_module_1.5.06.blob" "$s/joined_files/1.5/tdx_module_1.5.99.blob"
}

# help_options VERB: the long options `tdxctl VERB --help` lists ("--store=" for a value).
help_options() {
	"$TDXCTL" $1 --help | sed -nE 's/^ +(-[a-z] )?(--[a-z-]+)(=?).*/\2\3/p' | sort
}
