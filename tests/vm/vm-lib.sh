# shellcheck shell=bash
# Shared by the VM harness, the demo and the VM benchmark: fetches Debian's
# 6.12 kernel, builds the tdx_host_sim module and a busybox initramfs, and
# boots a TCG guest that shares this machine's root file system read-only.
# Everything expensive is cached; a warm boot costs only the boot itself.
#
# Source it, set VM_BUILD (a meson build dir of ours, absolute), then call
# vm_prepare once and vm_boot per guest run.

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_CACHE=${TDX_VM_CACHE:-/var/cache/tdxctl-vm}
VM_MODS="netfs 9pnet 9pnet_virtio 9p overlay"

vm_log() { echo "vm: $*" >&2; }
vm_die() { echo "vm: error: $*" >&2; exit 1; }

# vm_runner_args DEFAULT_RESULTS_NAME "$@": the runners' options, -B BUILD_DIR
# (default build-vm in the checkout) and -o RESULTS_DIR (default
# BUILD_DIR/vm/DEFAULT_RESULTS_NAME). Sets VM_BUILD, VM_RESULTS and
# VM_ARGS_USED (how many arguments the caller shifts away).
vm_runner_args() {
	local name=$1 o OPTIND=1
	shift
	VM_BUILD="$VM_TOP/build-vm" VM_RESULTS=""
	while getopts "B:o:" o; do
		case $o in
		B) VM_BUILD=$(realpath "$OPTARG") ;;
		o) VM_RESULTS=$OPTARG ;;
		*) exit 2 ;;
		esac
	done
	VM_ARGS_USED=$((OPTIND - 1))
	[ -n "$VM_RESULTS" ] || VM_RESULTS="$VM_BUILD/vm/$name"
}

# The exact release behind Debian's 6.12 metapackage; the module must match it.
vm_kernel_release() {
	local rel
	rel=$(apt-cache depends linux-image-6.12-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(6\.12\..*-amd64\)$/\1/p' | head -n 1)
	if [ -z "$rel" ]; then
		# Offline: fall back to the newest release already cached.
		rel=$(find "$VM_CACHE" -mindepth 1 -maxdepth 1 -name '6.12.*-amd64' -printf '%f\n' \
			2>/dev/null | sort -V | tail -n 1)
	fi
	[ -n "$rel" ] || vm_die "cannot resolve linux-image-6.12-amd64 (apt-get update?)"
	echo "$rel"
}

# Unpacks the kernel image package into the cache without installing it.
vm_fetch_kernel() {
	local rel=$1 dir="$VM_CACHE/$1"
	[ -f "$dir/root/boot/vmlinuz-$rel" ] && return 0
	vm_log "downloading linux-image-$rel"
	mkdir -p "$dir/dl"
	(cd "$dir/dl" && apt-get download -q "linux-image-$rel" >/dev/null 2>&1) ||
		vm_die "apt-get download linux-image-$rel failed"
	rm -rf "$dir/root.tmp"
	dpkg-deb -x "$dir"/dl/linux-image-"$rel"_*.deb "$dir/root.tmp"
	mv "$dir/root.tmp" "$dir/root"
	rm -rf "$dir/dl"
}

# Unpacks the matching headers and kbuild into the cache too. Installing
# linux-headers-* would pull in the linux-image package (a Depends) and put a
# new kernel into this machine's boot menu: not something a test may do.
vm_fetch_headers() {
	local rel=$1 dir="$VM_CACHE/$1" base=${1%-amd64} f
	VM_KDIR="$dir/hdr/usr/src/linux-headers-$rel"
	[ -f "$VM_KDIR/.unpacked" ] && return 0
	vm_log "downloading linux-headers-$rel"
	rm -rf "$dir/hdr" "$dir/dl"
	mkdir -p "$dir/dl"
	(cd "$dir/dl" && apt-get download -q "linux-headers-$rel" "linux-headers-$base-common" \
		"linux-kbuild-$base" >/dev/null 2>&1) || vm_die "apt-get download linux-headers-$rel failed"
	for f in "$dir"/dl/*.deb; do
		dpkg-deb -x "$f" "$dir/hdr"
	done
	rm -rf "$dir/dl"
	# The arch Makefile includes the common one by absolute path.
	sed -i "s|^include /usr/src/|include $dir/hdr/usr/src/|" "$VM_KDIR/Makefile"
	touch "$VM_KDIR/.unpacked"
}

# Builds kernel/ out of the source tree (kbuild writes next to its sources).
# kbuild cannot build in a path with spaces, so such a build dir builds in a
# directory of the cache named after it.
vm_build_module() {
	local rel=$1 out="$VM_BUILD/vm/kmod-$1" f
	if [[ $out == *[[:space:]]* ]]; then
		mkdir -p "$VM_BUILD/vm"
		f="$VM_CACHE/kbuild/$(printf '%s' "$out" | sha256sum | cut -c1-16)"
		mkdir -p "$f"
		[ -L "$out" ] || { rm -rf "$out"; ln -s "$f" "$out"; }
		out=$f
	fi
	mkdir -p "$out"
	for f in tdx_host_sim.c tdx_sim_payload.h Kbuild Makefile; do
		cmp -s "$VM_TOP/kernel/$f" "$out/$f" || cp "$VM_TOP/kernel/$f" "$out/$f"
	done
	if [ ! -f "$out/tdx_host_sim.ko" ] || [ "$VM_KDIR/.unpacked" -nt "$out/tdx_host_sim.ko" ] ||
		[ -n "$(find "$out" -newer "$out/tdx_host_sim.ko" \
		\( -name '*.c' -o -name '*.h' -o -name Kbuild \))" ]; then
		vm_log "building tdx_host_sim.ko for $rel"
		make -s -C "$VM_KDIR" M="$out" modules >"$out/build.log" 2>&1 ||
			{ cat "$out/build.log" >&2; vm_die "module build failed"; }
		! grep -q 'warning:' "$out/build.log" || { cat "$out/build.log" >&2; vm_die "module build has warnings"; }
	fi
	VM_KO="$VM_BUILD/vm/kmod-$rel/tdx_host_sim.ko"
}

# A busybox initramfs with the 9p and overlay modules (decompressed: busybox
# insmod cannot read .ko.xz) and our /init.
vm_build_initramfs() {
	local rel=$1 out="$VM_BUILD/vm/initramfs-$1" m f kdir
	local img="$out.cpio.gz"
	kdir="$VM_CACHE/$rel/root/lib/modules/$rel"
	if [ -f "$img" ] && [ "$img" -nt "$VM_TOP/tests/vm/guest-init.sh" ]; then
		VM_INITRD=$img
		return 0
	fi
	command -v busybox >/dev/null || vm_die "busybox (busybox-static) is not installed"
	rm -rf "$out"
	mkdir -p "$out"/{bin,dev,proc,sys,mod,host,rw,newroot}
	cp "$(command -v busybox)" "$out/bin/busybox"
	for m in $VM_MODS; do
		f=$(find "$kdir/kernel" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || vm_die "module $m not found in $kdir"
		case $f in
		*.xz) xz -dc "$f" >"$out/mod/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$out/mod/$m.ko" ;;
		*) cp "$f" "$out/mod/$m.ko" ;;
		esac
	done
	cp "$VM_TOP/tests/vm/guest-init.sh" "$out/init"
	chmod 755 "$out/init"
	(cd "$out" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.tmp"
	mv "$img.tmp" "$img"
	rm -rf "$out"
	VM_INITRD=$img
}

# Configures (if needed, with VM_MESON_ARGS) and compiles the meson build
# dir the guest will use.
vm_build_binaries() {
	if [ ! -f "$VM_BUILD/build.ninja" ]; then
		meson setup "$VM_BUILD" "$VM_TOP" ${VM_MESON_ARGS[@]+"${VM_MESON_ARGS[@]}"} >/dev/null ||
			vm_die "meson setup $VM_BUILD failed"
	fi
	meson compile -C "$VM_BUILD" >"$VM_BUILD/vm-compile.log" 2>&1 ||
		{ tail -n 30 "$VM_BUILD/vm-compile.log" >&2; vm_die "meson compile failed"; }
}

# Everything a boot needs: VM_KREL, VM_KERNEL, VM_KO, VM_INITRD.
vm_prepare() {
	[ -n "${VM_BUILD:-}" ] || vm_die "VM_BUILD is not set"
	command -v qemu-system-x86_64 >/dev/null || vm_die "qemu-system-x86 is not installed"
	mkdir -p "$VM_CACHE" "$VM_BUILD/vm"
	VM_KREL=$(vm_kernel_release)
	vm_fetch_kernel "$VM_KREL"
	vm_fetch_headers "$VM_KREL"
	vm_build_module "$VM_KREL"
	vm_build_initramfs "$VM_KREL"
	VM_KERNEL="$VM_CACHE/$VM_KREL/root/boot/vmlinuz-$VM_KREL"
	export VM_KREL VM_KERNEL VM_KO VM_INITRD
}

# A qemu -virtfs option value: commas in a path are doubled.
vm_virtfs() { # PATH TAG [EXTRA]
	printf 'local,path=%s,mount_tag=%s,security_model=none,multidevs=remap%s' \
		"${1//,/,,}" "$2" "${3:-}"
}

# The checkout and the build dir are shared on their own, not only through
# the host's root: the guest has its own /tmp and /run (and the host may
# mount other file systems there), so a checkout or build under /tmp would
# be invisible. guest-init.sh mounts each at its host path, read-only under
# a tmpfs overlay like the root. Writes VM_SHARE_ARGS and RESULTS/guest-mounts.
vm_shares() {
	local res=$1 i=0 p
	local paths=("$VM_TOP")
	case $VM_BUILD/ in "$VM_TOP"/*) ;; *) paths+=("$VM_BUILD") ;; esac
	VM_SHARE_ARGS=()
	: >"$res/guest-mounts"
	for p in "${paths[@]}"; do
		VM_SHARE_ARGS+=(-virtfs "$(vm_virtfs "$p" "share$i" ,readonly=on)")
		printf 'share%d %s\n' "$i" "$p" >>"$res/guest-mounts"
		i=$((i + 1))
	done
}

# vm_boot RESULTS_DIR COMMAND: boots the guest, runs COMMAND (a shell command
# line, run with bash in the chroot of this machine's root with a tmpfs
# overlay) and powers off. The guest sees RESULTS_DIR read-write at /results,
# VM_TOP and VM_BUILD at their own paths (wherever they are, spaces
# included), and gets VM_KO, VM_BUILD, VM_TOP in its environment. The
# console goes to RESULTS_DIR/console.log, or where VM_SERIAL (a qemu
# -serial value) says. VM_APPEND adds to the kernel command line
# (tdxvm.systemd=UNIT: see guest-init.sh); VM_STATE_DIR, a directory here, is
# shared read-write as the 9p tag "state" (mounted where tdxvm.state= says).
# A guest that dies before its init runs (TCG on a loaded host has panicked
# in early boot, in timer code, before any of our code ran) is booted once
# more; its console is kept as console-boot1.log when it went to a file. A
# guest that reached init is never retried: its failure is the test's.
# Returns qemu's status.
vm_boot() {
	local res=$1 rc=0
	mkdir -p "$res"
	rm -f "$res/guest-started"
	vm_boot_once "$@" || rc=$?
	if [ "$rc" != 124 ] && [ ! -e "$res/guest-started" ]; then
		vm_log "the guest died before its init ran (qemu exit $rc); booting it once more"
		[ ! -f "$res/console.log" ] || mv "$res/console.log" "$res/console-boot1.log"
		rc=0
		vm_boot_once "$@" || rc=$?
	fi
	return "$rc"
}

vm_boot_once() {
	local res=$1 cmd=$2 cpu extra=()
	[ -z "${VM_STATE_DIR:-}" ] ||
		extra=(-virtfs "$(vm_virtfs "$VM_STATE_DIR" state)")
	cpu="max,vendor=GenuineIntel,family=6,model=143,stepping=8"
	# The command travels as a file: the kernel command line is short and mangles quotes.
	printf 'export VM_KO=%q VM_BUILD=%q VM_TOP=%q\n%s\n' "$VM_KO" "$VM_BUILD" "$VM_TOP" \
		"$cmd" >"$res/guest-cmd.sh"
	vm_shares "$res"
	timeout "${VM_BOOT_TIMEOUT:-2300}" qemu-system-x86_64 -accel tcg -smp 2 -m 1024 -cpu "$cpu" \
		-nodefaults -display none -no-reboot -serial "${VM_SERIAL:-file:$res/console.log}" \
		-kernel "$VM_KERNEL" -initrd "$VM_INITRD" \
		-append "console=ttyS0 quiet panic=-1 rdinit=/init tdxvm.cmd=/results/guest-cmd.sh ${VM_APPEND:-}" \
		-virtfs "$(vm_virtfs / hostroot ,readonly=on)" \
		-virtfs "$(vm_virtfs "$res" results)" "${VM_SHARE_ARGS[@]}" "${extra[@]}" </dev/null
}
