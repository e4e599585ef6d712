#!/bin/bash
# Installs everything the build, the tests and the demo need from Debian's
# packages. Idempotent; quiet when everything is present.
set -euo pipefail

# build: meson .. scdoc; tests: clang (fuzz), dbus (bus suite), jq (JSON checks),
# python3;
# vm suite and demo: qemu, busybox, cpio, xz, kmod, dwarves (pahole, which
# the kernel module build runs for BTF), apt-get download of the kernel;
# bus suite: gdbus (libglib2.0-bin) calls as another user, inotifywait
# (inotify-tools) sees which store directories a job opens;
# systemd suite: dbus and polkitd in the guest (the host root is its root);
# package: debhelper, dpkg-dev, lintian; pristine check: debootstrap;
# fleet suite: promtool (prometheus), prometheus-node-exporter, curl, etcd;
# build: libcurl (the FleetLock client).
pkgs=(meson ninja-build pkg-config gcc make clang clang-format libclang-rt-14-dev
      libjson-c-dev libcpuid-dev libudev-dev libkmod-dev libsystemd-dev libcmocka-dev
      nettle-dev libgmp-dev scdoc dbus systemd udev kmod xz-utils cpio busybox-static
      qemu-system-x86 jq python3 util-linux bash-completion zsh dwarves polkitd passwd libglib2.0-bin inotify-tools git
      ca-certificates debhelper dpkg-dev fakeroot lintian debootstrap
      prometheus prometheus-node-exporter curl libcurl4-openssl-dev etcd-server etcd-client)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
