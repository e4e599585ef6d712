#!/bin/bash
# Builds the synthetic demo/test module store described in
# mapping/README.md from mapping/synthetic/mapping_file.json: every module is
# made by tools/tdx-mkmodule (.bin + .sigstruct) and joined by
# `tdxctl blob join`, so the store exercises the same code operators use.
#   mkcatalog.sh BUILD_DIR OUT_DIR
# Rebuilds only when the mapping file or the two tools are newer than OUT_DIR.
# The modules are signed with the build's test key; its SHA-256 fingerprint,
# for the trust lists of tdxctl, tdxd and the simulator, goes to
# OUT_DIR/../test-key-sha256.
set -euo pipefail
build=$1 out=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mapping="$top/mapping/synthetic/mapping_file.json"
mk="$build/tools/tdx-mkmodule"
tdxctl="$build/src/tdxctl/tdxctl"
for f in "$mapping" "$mk" "$tdxctl"; do
	[ -e "$f" ] || { echo "mkcatalog: $f is missing (build first)" >&2; exit 1; }
done
stamp="$out/.built"
keyfile="$(dirname "$out")/test-key-sha256"
if [ -f "$stamp" ] && [ -f "$keyfile" ] &&
	[ -z "$(find "$mapping" "$mk" "$tdxctl" "$0" -newer "$stamp")" ]; then
	exit 0
fi
key=$("$mk" --key-fingerprint)
# blob join writes only images signed by a trusted key: this one.
export TDXCTL_TRUSTED_SIGNING_KEYS=$key
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$mapping" "$out.tmp/mapping_file.json"

# module VERSION FORMS MKMODULE-ARGS...: FORMS is a comma list of
# joined (0x200 blob), joined100 (0x100 blob only), separate (.bin + .sigstruct).
module() {
	local v=$1 forms=$2 mm=${1%.*} tmp
	shift 2
	tmp="$out.tmp/.work/$v"
	mkdir -p "$tmp"
	"$mk" --version "$v" "$@" --bin "$tmp/tdx_module_$v.bin" \
		--sigstruct "$tmp/tdx_module_$v.sigstruct"
	case ",$forms," in *,joined,*|*,joined100,*)
		local fmt=0x200
		case ",$forms," in *,joined100,*) fmt=0x100 ;; esac
		mkdir -p "$out.tmp/joined_files/$mm"
		"$tdxctl" blob join "$tmp/tdx_module_$v.bin" "$tmp/tdx_module_$v.sigstruct" \
			"$out.tmp/joined_files/$mm/tdx_module_$v.blob" --format="$fmt" >/dev/null 2>&1 ||
			{ echo "mkcatalog: blob join $v failed" >&2; exit 1; } ;;
	esac
	case ",$forms," in *,separate,*)
		mkdir -p "$out.tmp/separate_files/$mm/$v"
		cp "$tmp"/tdx_module_"$v".{bin,sigstruct} "$out.tmp/separate_files/$mm/$v/" ;;
	esac
}

# The table of mapping/README.md; hand-off = min_module_version_for_td_preserving.
module 1.5.01 joined,separate --handoff 1.5.01
module 1.5.03 joined --handoff 1.5.01 --debug
module 1.5.04 joined --handoff 1.5.01 --cpuid 0xa06d0
module 1.5.05 joined --handoff 1.5.01
module 1.5.06 joined,separate --handoff 1.5.01 --cpuid 0x806f8 --cpuid 0xc06f0
module 1.5.08 joined100 --handoff 1.5.01
module 1.5.10 separate --handoff 1.5.01
module 1.5.20 joined --handoff 1.5.06
rm -rf "$out.tmp/.work"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$key" >"$keyfile"
touch "$stamp"
