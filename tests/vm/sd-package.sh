# shellcheck shell=bash
# What the systemd suite installs into the guest: tdxctl as a Debian package
# when the tree has debian/ (built once per source state), otherwise a
# `meson install --destdir` of a /usr build. Sets SD_PACKAGE to the .deb or
# to the staged root. Needs VM_TOP and VM_BUILD (vm-lib.sh).

# A hash of the tracked files as they are now (what tools/build-deb.sh
# packages), so an unchanged tree reuses its .deb.
sd_source_hash() {
	(cd "$VM_TOP" && git ls-files -z --cached | xargs -0 sha256sum 2>/dev/null |
		sha256sum | cut -c1-16)
}

# tools/build-deb.sh (dpkg-buildpackage -us -uc -b, lintian), once per source
# state; its own tests are skipped (nocheck): the suites run them.
sd_package_deb() {
	local dir
	dir="$VM_BUILD/vm/sd-deb/$(sd_source_hash)"
	SD_PACKAGE=$(find "$dir" -maxdepth 1 -name 'tdxctl_*.deb' 2>/dev/null | head -n 1) || true
	[ -z "$SD_PACKAGE" ] || return 0
	vm_log "building the Debian package ($dir)"
	rm -rf "$VM_BUILD/vm/sd-deb"
	DEB_BUILD_OPTIONS=nocheck "$VM_TOP/tools/build-deb.sh" "$dir" >"$VM_BUILD/vm/sd-deb.log" 2>&1 ||
		{ tail -n 30 "$VM_BUILD/vm/sd-deb.log" >&2; vm_die "tools/build-deb.sh failed"; }
	SD_PACKAGE=$(find "$dir" -maxdepth 1 -name 'tdxctl_*.deb' | head -n 1)
	[ -n "$SD_PACKAGE" ] || vm_die "tools/build-deb.sh made no tdxctl_*.deb"
}

sd_package_destdir() {
	local b="$VM_BUILD/vm/sd-usr"
	if [ ! -f "$b/build.ninja" ]; then
		meson setup "$b" "$VM_TOP" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
			-Dtests=false -Dvm_tests=false >"$VM_BUILD/vm/sd-usr.log" 2>&1 ||
			{ cat "$VM_BUILD/vm/sd-usr.log" >&2; vm_die "meson setup of the /usr build failed"; }
	fi
	meson compile -C "$b" >"$VM_BUILD/vm/sd-usr.log" 2>&1 ||
		{ tail -n 30 "$VM_BUILD/vm/sd-usr.log" >&2; vm_die "the /usr build failed"; }
	rm -rf "$VM_BUILD/vm/sd-root"
	meson install -C "$b" --no-rebuild --destdir "$VM_BUILD/vm/sd-root" >/dev/null ||
		vm_die "meson install --destdir failed"
	SD_PACKAGE="$VM_BUILD/vm/sd-root"
}

sd_package_build() {
	if [ -f "$VM_TOP/debian/control" ] && [ -z "${TDX_SD_DESTDIR:-}" ]; then
		sd_package_deb
	else
		sd_package_destdir
	fi
}
