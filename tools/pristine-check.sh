#!/bin/bash
# The fresh-machine check (README): the README's set-up, run in a pristine
# Debian bookworm root, so that a package installed by hand on this machine
# can never hide a missing step of tools/install-deps.sh.
#
#   tools/pristine-check.sh [--keep]
#
# 1. A `debootstrap --variant=minbase bookworm` root, cached as a tarball in
#    $TDX_PRISTINE_CACHE (default /var/cache/tdxctl-pristine; made on first
#    use, about 1 minute), unpacked fresh for every run.
# 2. The Debian suites of this machine's apt sources (bookworm, -updates,
#    -security), nothing else; /etc/resolv.conf; /proc, /sys, /dev.
# 3. The tracked files of this checkout (tools/copy-tracked.sh, uncommitted
#    edits included) in "/tmp/tdx ctl", with a git index as a clone has:
#    a user's clone under /tmp, at a path with a space, which kbuild
#    cannot build in.
# 4. In the chroot, as a new user would: tools/demo.sh (install-deps, the
#    build, the simulator module build, a TCG boot, four commands), then
#    tests/run-all.sh --quick.
# The kernel cache (/var/cache/tdxctl-vm) is shared with the chroot: the
# downloads are a cache, the module build and everything else run inside.
# Downloaded .debs are kept in the cache dir between runs. Needs root.
# Exit 0 when both steps passed; the last line says which failed otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${TDX_PRISTINE_CACHE:-/var/cache/tdxctl-pristine}
vmcache=${TDX_VM_CACHE:-/var/cache/tdxctl-vm}
keep=0
[ "${1:-}" = --keep ] && keep=1
t0=$EPOCHREALTIME

log() { echo "pristine: $*" >&2; }
die() { echo "pristine: FAILED: $*" >&2; exit 1; }
elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f s", b - a }'; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (tools/install-deps.sh)"

# The host's Debian bookworm suites as deb822 stanzas (URIs, Suites,
# Components, Signed-By), from both source formats; other repositories are
# left out: a fresh machine has only Debian's.
debian_sources() {
	python3 - /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources <<'PY'
import re, sys
want = {"bookworm", "bookworm-updates", "bookworm-security"}
entries = []
for path in sys.argv[1:]:
    try:
        text = open(path).read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            f = {}
            for line in stanza.splitlines():
                m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
                if m:
                    f[m.group(1).lower()] = m.group(2).strip()
            if "deb" not in f.get("types", "").split() or f.get("enabled", "yes") == "no":
                continue
            for uri in f.get("uris", "").split():
                for suite in f.get("suites", "").split():
                    entries.append((uri, suite, f.get("components", "main")))
    else:
        for line in text.splitlines():
            line = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
            if len(line) >= 4 and line[0] == "deb":
                entries.append((line[1], line[2], " ".join(line[3:])))
for uri, suite, comps in entries:
    if suite in want:
        print(f"Types: deb\nURIs: {uri}\nSuites: {suite}\nComponents: {comps}\n"
              "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
PY
}

# The cached minbase root, made once.
ensure_root_tarball() {
	local tarball=$cache/bookworm-minbase.tar.gz mirror tmp
	if [ -f "$tarball" ]; then
		echo "$tarball"
		return
	fi
	mirror=$(debian_sources | awk '/^URIs:/ { u = $2 } /^Suites: bookworm$/ { print u; exit }')
	[ -n "$mirror" ] || die "no Debian bookworm entry in this machine's apt sources"
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/debootstrap.XXXXXX")
	log "debootstrap --variant=minbase bookworm (once; cached in $tarball)"
	debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/debootstrap.log" >&2; rm -rf "$tmp"; die "debootstrap failed"; }
	tar -C "$tmp" -czf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	rm -rf "$tmp"
	echo "$tarball"
}

root=
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[i]}" 2>/dev/null || true
	done
	[ -n "$root" ] && [ $keep = 0 ] || return 0
	# The binds are on the same file system (caches): never delete through one.
	if grep -qF " $root/" /proc/self/mounts; then
		log "mounts remain under $root; not removing it"
		return 0
	fi
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT

bind() { # HOST_PATH ROOT_PATH
	mkdir -p "$root$2"
	mount --bind "$1" "$root$2"
	mounts+=("$root$2")
}

tarball=$(ensure_root_tarball)
root=$(mktemp -d /var/tmp/tdxctl-pristine.XXXXXX)
log "unpacking $(basename "$tarball") into $root"
tar -C "$root" -xzf "$tarball"
# mktemp made it 0700: the tests run commands as nobody, who must reach /.
chmod 0755 "$root"
rm -f "$root/etc/apt/sources.list"
debian_sources >"$root/etc/apt/sources.list.d/debian.sources"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$cache/apt-archives/partial" "$vmcache"
mount -t proc proc "$root/proc"
mounts+=("$root/proc")
bind /sys /sys
bind /dev /dev
bind /dev/pts /dev/pts
bind "$cache/apt-archives" /var/cache/apt/archives
bind "$vmcache" /var/cache/tdxctl-vm
src="/tmp/tdx ctl"
"$top/tools/copy-tracked.sh" "$root$src"
# A clone has an index: the style suite asks git which files are ours.
git -C "$root$src" init -q && git -C "$root$src" add -A

step() { # NAME COMMAND: runs COMMAND in the clone in the chroot as a fresh root login would
	local name=$1 cmd=$2 s0=$EPOCHREALTIME rc=0
	log "$name: $cmd"
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd '$src' && $cmd" </dev/null >"$root/$name.log" 2>&1 || rc=$?
	cp "$root/$name.log" "$cache/last-$name.log"
	tail -n 25 "$root/$name.log" >&2
	log "$name: exit $rc after $(awk -v a="$s0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f s", b - a }')"
	return $rc
}

failed=()
step demo tools/demo.sh || failed+=("tools/demo.sh")
step tests "tests/run-all.sh --quick" || failed+=("tests/run-all.sh --quick")
if [ ${#failed[@]} -gt 0 ]; then
	[ $keep = 1 ] && log "root kept in $root"
	die "${failed[*]} in a fresh bookworm root ($(elapsed))"
fi
log "PASS: demo and run-all --quick in a fresh bookworm root in $(elapsed)"
