#!/bin/bash
# Builds the Debian package from the files git tracks (a clean copy, so no
# build-* directory or stray file of this checkout leaks in) and runs lintian
# on it. The .deb lands in OUT_DIR (default build-deb/).
#   tools/build-deb.sh [OUT_DIR]
# Exit 0 only when dpkg-buildpackage succeeded and lintian reported no error.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$top/build-deb}")
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
src="$out/src/tdxctl-$version"

die() { echo "build-deb: $*" >&2; exit 1; }

rm -rf "$out"
"$top/tools/copy-tracked.sh" "$src"

echo "build-deb: dpkg-buildpackage -us -uc -b in $src" >&2
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/dpkg-buildpackage.log" 2>&1 ||
	{ tail -n 40 "$out/dpkg-buildpackage.log" >&2; die "dpkg-buildpackage failed (log: $out/dpkg-buildpackage.log)"; }
deb="$out/src/tdxctl_${version}_amd64.deb"
[ -f "$deb" ] || die "dpkg-buildpackage made no $(basename "$deb")"
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
rm -rf "$out/src"
deb="$out/$(basename "$deb")"

# --fail-on error: warnings are reported but do not fail the check.
if ! lintian --fail-on error --tag-display-limit 0 "$deb" >"$out/lintian.log" 2>&1; then
	cat "$out/lintian.log" >&2
	die "lintian reports errors on $(basename "$deb")"
fi
cat "$out/lintian.log" >&2

# meson installs the shell completion where Debian's bash and zsh load it.
for f in ./usr/share/bash-completion/completions/tdxctl ./usr/share/zsh/vendor-completions/_tdxctl; do
	dpkg-deb -c "$deb" | awk '{print $NF}' | grep -qxF "$f" || die "$(basename "$deb") lacks $f"
done
echo "$deb"
