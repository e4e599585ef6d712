#!/bin/busybox sh
# shellcheck shell=dash
# /init of the test guest's initramfs: mounts this machine's root (9p,
# read-only) under a tmpfs overlay, chroots into it, runs the command file
# named by tdxvm.cmd= (bash, from the results share), and powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in netfs 9pnet 9pnet_virtio 9p overlay; do
	insmod /mod/$m.ko || echo "init: insmod $m failed"
done
p9="trans=virtio,version=9p2000.L,msize=262144,cache=loose"
mount -t 9p -o "$p9,ro" hostroot /host || echo "init: cannot mount hostroot"
mount -t tmpfs -o size=512m tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	echo "init: overlay failed"
mkdir -p /newroot/results /newroot/run /newroot/tmp
mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144" results /newroot/results
# Tells vm_boot the guest came up: a guest that dies before this is retried.
: >/newroot/results/guest-started
mount -t tmpfs tmpfs /newroot/run
mount -t tmpfs tmpfs /newroot/tmp
# The checkout and the build dir at their host paths (vm_shares): each
# read-only 9p share under its own tmpfs overlay, as the root.
[ -f /newroot/results/guest-mounts ] || : >/newroot/results/guest-mounts
while read -r tag path; do
	mkdir -p "/mnt/$tag" "/rw/$tag/upper" "/rw/$tag/work" "/newroot$path"
	mount -t 9p -o "$p9,ro" "$tag" "/mnt/$tag" || echo "init: cannot mount $tag ($path)"
	mount -t overlay overlay \
		-o "lowerdir=/mnt/$tag,upperdir=/rw/$tag/upper,workdir=/rw/$tag/work" "/newroot$path" ||
		echo "init: overlay of $path failed"
done </newroot/results/guest-mounts
cmd=$(sed -n 's/.*tdxvm\.cmd=\([^ ]*\).*/\1/p' /proc/cmdline)
state=$(sed -n 's/.*tdxvm\.state=\([^ ]*\).*/\1/p' /proc/cmdline)
unit=$(sed -n 's/.*tdxvm\.systemd=\([^ ]*\).*/\1/p' /proc/cmdline)
for d in proc sys dev; do
	mount -o move /$d /newroot/$d || echo "init: cannot move /$d"
done
mount -t debugfs debugfs /newroot/sys/kernel/debug
# tdxvm.state=PATH: the writable share "state" (vm_boot's VM_STATE_DIR) at
# PATH, so what is there survives into the next boot.
if [ -n "$state" ]; then
	mkdir -p "/newroot$state"
	mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144" state "/newroot$state" ||
		echo "init: cannot mount the state share"
fi
# tdxvm.systemd=UNIT: the command prepares the overlay, then systemd runs as
# PID 1 and starts UNIT. switch_root hangs here; exec chroot works, and such a
# systemd ignores the kernel command line, so the unit goes on its argv.
if [ -n "$unit" ]; then
	chroot /newroot /bin/bash -c "cd /; export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root; bash $cmd >/results/prepare.log 2>&1; echo \$? >/results/prepare.rc"
	[ "$(cat /newroot/results/prepare.rc)" != 0 ] ||
		exec chroot /newroot /lib/systemd/systemd --unit="$unit"
	echo "init: the preparation failed (prepare.log); powering off"
	cmd=/dev/null
fi
chroot /newroot /bin/bash -c "cd /; export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root; bash $cmd >/results/guest.log 2>&1; echo \$? >/results/guest.rc"
sync
echo o >/newroot/proc/sysrq-trigger
sleep 2
poweroff -f
