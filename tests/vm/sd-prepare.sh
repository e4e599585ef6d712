#!/bin/bash
# Runs in the guest's overlay root before systemd starts (guest-init.sh,
# tdxvm.systemd=): installs tdxctl as an operator would, puts the synthetic
# catalog at the default store path, and writes the test's units.
#   sd-prepare.sh PACKAGE BOOT SCENARIO...
# PACKAGE is a .deb (installed offline with apt-get) or a staged root (from
# `meson install --destdir`). Needs VM_KO, VM_BUILD and VM_TOP.
set -euxo pipefail
pkg=$1 boot=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sd-scenarios.sh"

# No boot status on the console (the demo shows it; the tests do not read it).
mkdir -p /etc/systemd/system.conf.d
printf '[Manager]\nShowStatus=no\n' >/etc/systemd/system.conf.d/tdx-test.conf
# A fresh machine id: systemd then sets up the journal as on a first boot.
: >/etc/machine-id
case $pkg in
# Offline: every dependency is on this root already (--no-download trips
# an apt bug on a local .deb: "Pathname to install is not absolute").
*.deb) apt-get install -y -q "$pkg" ;;
*) tar -C "$pkg" -c . | tar -C / -x --keep-directory-symlink ;;
esac
# Installed, not started: boot 1 shows D-Bus activation of a unit nobody enabled.
systemctl disable tdxd.service 2>/dev/null || true
systemctl enable tdxd-update.timer

mkdir -p /usr/lib/firmware/intel/tdx
cp -r "$VM_BUILD/vm/catalog/." /usr/lib/firmware/intel/tdx/
# The catalog is signed with the build's test key (mkcatalog.sh): tdxd
# trusts it instead of Intel's. tdxd_configure starts from this file.
conf=$(tdxd_conf_path)
printf '\n[Update]\nTrustedSigningKeys=%s\n' "$(cat "$VM_BUILD/vm/test-key-sha256")" >>"$conf"
cp "$conf" "$conf.shipped"
# libvirt only for its scenario (sd-libvirt.sh)
case " $* " in *" sd-libvirt "*) sd_libvirt_prepare ;; esac

# The polkit scenario's user; its group is what a rules file grants.
groupadd --system tdxops
useradd --no-create-home --groups tdxops --shell /bin/bash tdxuser

# tdx_host_sim where modprobe and systemd-modules-load find it.
kdir=/lib/modules/$(uname -r)/extra
mkdir -p "$kdir"
cp "$VM_KO" "$kdir/tdx_host_sim.ko"
depmod "$(uname -r)" "$kdir/tdx_host_sim.ko"

# The test runs as a oneshot unit; the machine powers off when it ends.
wants=""
[ "$boot" = 1 ] || wants="tdxd.service libvirtd.service"
cat >/etc/systemd/system/tdx-test.target <<EOF
[Unit]
Description=tdxctl systemd test, boot $boot
Requires=basic.target tdx-test.service
Wants=$wants
After=basic.target
AllowIsolate=yes
EOF
cat >/etc/systemd/system/tdx-test.service <<EOF
[Unit]
Description=tdxctl systemd scenarios, boot $boot
After=basic.target dbus.socket $wants

[Service]
Type=oneshot
Environment="VM_KO=$VM_KO" "VM_BUILD=$VM_BUILD" "VM_TOP=$VM_TOP"
ExecStart=/bin/bash "$here/sd-guest-run.sh" $*
StandardOutput=append:/results/guest-boot$boot.log
StandardError=inherit
TimeoutStartSec=infinity
ExecStopPost=/bin/systemctl --no-block poweroff
EOF
[ "$boot" = 1 ] || sd_reapply_prepare_second_boot
