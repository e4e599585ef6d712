# shellcheck shell=bash
# The systemd suite with real libvirt (issue 9): Debian's libvirt 9.0
# (libvirt-daemon-system, unpacked into the guest's overlay only, from .debs
# fetched once into the VM cache), the shipped hook qemu.d/50-tdxctl in its
# testing mode (Domains=all: libvirt 9.0 cannot parse a TDX domain) and a
# tiny TCG domain (type='qemu', direct kernel boot, no disk). Sourced by
# sd-scenarios.sh.

SD_LIBVIRT_CACHE=${TDX_VM_CACHE:-/var/cache/tdxctl-vm}/libvirt
SD_LIBVIRT_WINDOW=/run/tdx-test-window
SD_LIBVIRT_TRACE=/run/tdx-test-hook-calls
SD_LIBVIRT_LOGS=/results/libvirt # libvirtd's and virtlogd's logs, the journal on failure
SD_LIBVIRT_UUID=5a1c0ffe-0000-4000-8000-00000000d0d1
SD_LIBVIRT_BAD_UUID=5a1c0ffe-0000-4000-8000-00000000bad0
MSG_HELD=5c1f0e7a9b2d4e0c8a61f3d2b7e49a20
MSG_RELEASED=5c1f0e7a9b2d4e0c8a61f3d2b7e49a21
MSG_EXPIRED=5c1f0e7a9b2d4e0c8a61f3d2b7e49a22

# Host, before the boot: the packages libvirt needs beyond this machine's
# (apt-get --download-only: never installed here), unpacked once into a
# cached tree. Installing them with apt inside the TCG guest took over 15
# minutes (maintainer scripts, triggers); the unpacked tree is copied in
# seconds and sd_libvirt_prepare does the little setup libvirtd needs.
sd_libvirt_fetch() {
	local d=$SD_LIBVIRT_CACHE f
	[ -f "$d/.complete" ] && return 0
	rm -rf "$d"
	mkdir -p "$d/debs/partial" "$d/root"
	vm_log "fetching libvirt's packages into $d"
	apt-get install -y -q --download-only --no-install-recommends \
		-o Dir::Cache::archives="$d/debs" libvirt-daemon-system libvirt-clients \
		>"$d/fetch.log" 2>&1 ||
		{ cat "$d/fetch.log" >&2; vm_die "cannot fetch libvirt's packages"; }
	for f in "$d"/debs/*.deb; do
		dpkg-deb -x "$f" "$d/root" || vm_die "cannot unpack $f"
	done
	touch "$d/.complete"
}

# Guest, in the overlay before systemd starts (sd-prepare.sh), only when
# sd-libvirt runs: the unpacked tree over / (merged /usr kept), then what the
# maintainer scripts would have done that libvirtd needs.
sd_libvirt_prepare() {
	local lv=$SD_LIBVIRT_CACHE/root caps=/var/cache/libvirt/qemu/capabilities
	tar -C "$lv" -c . | tar -C / -x --keep-directory-symlink
	# libvirtd and its driver modules as links into the cached tree: libvirt
	# keys its QEMU capability cache on their ctime (virGetSelfLastChanged),
	# and a copy in the overlay is new on every boot
	ln -sfn "$lv/usr/sbin/libvirtd" /usr/sbin/libvirtd
	rm -rf /usr/lib/x86_64-linux-gnu/libvirt
	ln -s "$lv/usr/lib/x86_64-linux-gnu/libvirt" /usr/lib/x86_64-linux-gnu/libvirt
	ldconfig
	# Probing a QEMU binary's capabilities (QMP, in this TCG guest) took
	# 100 s each: libvirt probes every qemu-system-* it finds, so only the
	# one the domain uses stays, and an earlier boot's result is reused.
	rm -f /usr/bin/qemu-system-i386
	mkdir -p "$caps"
	[ ! -d "$SD_LIBVIRT_CACHE/capabilities" ] || cp "$SD_LIBVIRT_CACHE"/capabilities/*.xml "$caps/"
	getent group libvirt >/dev/null || groupadd --system libvirt
	# the QEMU driver resolves its built-in user before it reads qemu.conf
	# (without this user its start-up fails: "Failed to parse user 'libvirt-qemu'")
	getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
	getent passwd libvirt-qemu >/dev/null ||
		useradd --system --gid libvirt-qemu --no-create-home --home-dir /var/lib/libvirt \
			--shell /usr/sbin/nologin libvirt-qemu
	mkdir -p /var/lib/libvirt/qemu /var/cache/libvirt/qemu /var/log/libvirt/qemu \
		/var/lib/libvirt/images /etc/libvirt/qemu/networks/autostart "$SD_LIBVIRT_LOGS"
	# QEMU as root without relabelling: the kernel it boots is on the read-only share
	printf 'user = "root"\ngroup = "root"\ndynamic_ownership = 0\nsecurity_driver = "none"\n' \
		>>/etc/libvirt/qemu.conf
	# libvirtd's own log on the results share: debug for starting domains,
	# hooks and commands, warnings for the rest (--verbose logged every QMP
	# message and object, over 9p: it slowed the probe above)
	printf 'log_outputs = "1:file:%s/libvirtd.log"\nlog_filters = "%s"\n' \
		"$SD_LIBVIRT_LOGS" "1:qemu.qemu_process 1:qemu.qemu_driver 1:qemu.qemu_capabilities 1:util.hook 1:util.command 1:util.util 1:daemon 1:libvirt" \
		>>/etc/libvirt/libvirtd.conf
	printf 'log_outputs = "3:file:%s/virtlogd.log"\n' "$SD_LIBVIRT_LOGS" >>/etc/libvirt/virtlogd.conf
	# no --timeout: an idle libvirtd would exit in the middle of the scenario
	printf 'LIBVIRTD_ARGS=""\n' >/etc/default/libvirtd
	# no default network: it wants dnsmasq, and the domain has no interface
	rm -f /etc/libvirt/qemu/networks/autostart/default.xml
	printf 'Domains=all\nTTLSec=120\nTestHoldPrepareWhile=%s\n' "$SD_LIBVIRT_WINDOW" \
		>/etc/tdxd/libvirt-hook.conf
	# after the shipped hook (qemu.d runs in name order): records each call
	# libvirt makes and the keys held once 50-tdxctl has run, so the test
	# tells which event held and which released (prints nothing: no XML change)
	cat >/etc/libvirt/hooks/qemu.d/99-test-trace <<'EOF'
#!/bin/sh
cat >/dev/null
echo "$1 $2 $3 held:$(ls /run/tdxctl/inhibit.d 2>/dev/null | grep -c '^libvirt:')" >>TRACE
EOF
	sed -i "s|TRACE|$SD_LIBVIRT_TRACE|" /etc/libvirt/hooks/qemu.d/99-test-trace
	chmod 755 /etc/libvirt/hooks/qemu.d/99-test-trace
}

sd_libvirt_domain() { # NAME UUID KERNEL
	cat <<EOX
<domain type='qemu'>
  <name>$1</name>
  <uuid>$2</uuid>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$3</kernel>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'><source path='/run/$1.console'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOX
}

sd_held() { bprop HeldInhibitors; } # quotes removed: a(sssut) 1 KEY WHO WHY UID EXPIRY

# sd_wait_held REGEX TENTHS: until HeldInhibitors matches.
sd_wait_held() {
	for _ in $(seq 1 "$2"); do
		[[ "$(sd_held)" =~ $1 ]] && return 0
		sleep 0.1
	done
	return 1
}

journal_key() { # MESSAGE_ID KEY: entries of this boot
	journalctl -b -o cat --no-pager "MESSAGE_ID=$1" "TDX_INHIBIT_KEY=$2"
}

# Host, after the boot: the QEMU capabilities the guest's libvirtd probed or
# reused, for the next boot (libvirt itself rejects a stale one and probes).
sd_libvirt_keep_caps() { # RESULTS_DIR
	local from=$1/libvirt/capabilities
	compgen -G "$from/*.xml" >/dev/null || return 0
	rm -rf "$SD_LIBVIRT_CACHE/capabilities.new"
	cp -r "$from" "$SD_LIBVIRT_CACHE/capabilities.new"
	rm -rf "$SD_LIBVIRT_CACHE/capabilities"
	mv "$SD_LIBVIRT_CACHE/capabilities.new" "$SD_LIBVIRT_CACHE/capabilities"
}

# lv ARGS...: virsh on the system daemon, bounded (nothing may hang the boot)
lv() { timeout 120 virsh -c qemu:///system "$@"; }

# sd_libvirt_step WHAT COMMAND...: runs it under a bound, prints its time
sd_libvirt_step() {
	local what=$1 t0 rc=0
	shift
	t0=$EPOCHREALTIME
	timeout 180 "$@" >"$SCN_DIR/step" 2>&1 || rc=$?
	note "$what: exit $rc after $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }") s"
	sed 's/^/    | /' "$SCN_DIR/step"
	return "$rc"
}

# Kept whatever the outcome: QEMU's logs and the capabilities libvirt
# probed (sd_libvirt_keep_caps caches them); on failure the whole journal.
sd_libvirt_collect() {
	cp -r /var/log/libvirt/qemu /var/cache/libvirt/qemu/capabilities "$SD_LIBVIRT_LOGS/" 2>/dev/null
	cp "$SD_LIBVIRT_TRACE" "$SD_LIBVIRT_LOGS/hook-calls" 2>/dev/null
	[ ${#SCN_FAILS[@]} -eq 0 ] ||
		journalctl -b --no-pager -o short-monotonic >"$SD_LIBVIRT_LOGS/journal.txt" 2>&1
}

# sd_libvirt_expect_calls DOMAIN "OP SUB held:N,...": the hook calls libvirt
# made for DOMAIN so far, in order, each with the libvirt: keys held after it
sd_libvirt_expect_calls() {
	expect_eq "hook calls for $1" \
		"$(sed -n "s/^$1 //p" "$SD_LIBVIRT_TRACE" 2>/dev/null | paste -sd,)" "$2"
}

scn_sd-libvirt() {
	local key=libvirt:$SD_LIBVIRT_UUID bad=libvirt:$SD_LIBVIRT_BAD_UUID start_pid kernel t0
	# the guest's own kernel: QEMU only has to load it (no disk, nothing to boot into)
	kernel=(/var/cache/tdxctl-vm/"$(uname -r)"/root/boot/vmlinuz-*)
	tdxd_configure "" # the shipped configuration, whatever earlier scenarios set
	sd_sim 1.5.06
	sd_libvirt_step "systemctl start libvirtd" systemctl start libvirtd.service ||
		fail "systemctl start libvirtd"
	sd_libvirt_domain tdxtest "$SD_LIBVIRT_UUID" "${kernel[0]}" >"$SCN_DIR/td.xml"
	sd_libvirt_domain tdxbad "$SD_LIBVIRT_BAD_UUID" /nonexistent/vmlinuz >"$SCN_DIR/bad.xml"
	# one virsh for several commands: each virsh took about 10 s here
	sd_libvirt_step "virsh version, define both domains" virsh -c qemu:///system \
		"version; define $SCN_DIR/td.xml; define $SCN_DIR/bad.xml" || fail "virsh version/define"
	if grep -q virQEMUCapsSaveFile "$SD_LIBVIRT_LOGS/libvirtd.log"; then
		note "QEMU capabilities: probed in this boot (none cached, or stale)"
	else
		note "QEMU capabilities: reused from an earlier boot"
	fi

	# prepare holds the key; the test switch keeps prepare open meanwhile.
	# Started paused (QEMU -S): QEMU is launched, loads the kernel and is
	# set up, and libvirt runs the same hooks, but no vCPU runs (a guest
	# kernel booting under TCG inside this TCG guest would take the CPU)
	touch "$SD_LIBVIRT_WINDOW"
	timeout 400 virsh -c qemu:///system start --paused tdxtest >"$SCN_DIR/start" 2>&1 &
	start_pid=$!
	sd_wait_held "$key libvirt:tdxtest" 600 || fail "no key after prepare: $(sd_held)"
	timeout 120 tdxctl update --yes 1.5.10 >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "update while prepare holds: exit" "$?" 1
	expect_match "update while prepare holds" "$SCN_DIR/update" "key $key held by libvirt:tdxtest"
	expect_eq "uploads while held (nothing reached data)" "$(sim_state uploads)" 0
	TDXCTL_STORE=$STORE_DIR timeout 120 tdxctl --direct update --yes 1.5.10 >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "--direct update while prepare holds: exit" "$?" 1
	expect_eq "uploads while held (--direct)" "$(sim_state uploads)" 0
	# the window closes: QEMU starts, started releases
	rm -f "$SD_LIBVIRT_WINDOW"
	t0=$EPOCHREALTIME
	wait "$start_pid"
	expect_eq "virsh start: exit" "$?" 0
	note "virsh start returned $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }") s after the window closed"
	sed 's/^/    | /' "$SCN_DIR/start"
	sd_libvirt_expect_calls tdxtest "prepare begin held:1,start begin held:1,started begin held:0"
	lv "domstate tdxtest; destroy tdxtest" >"$SCN_DIR/state" 2>&1
	expect_eq "domain state" "$(head -n 1 "$SCN_DIR/state")" paused
	sd_wait_held '^a\(sssut\) 0$' 100 || fail "key not released after started: $(sd_held)"
	timeout 120 tdxctl update --yes 1.5.10 >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "update after started: exit" "$?" 0
	expect_state 1.5.10 15 1

	# a start that fails (no kernel there): released once QEMU has exited
	lv start tdxbad >"$SCN_DIR/start-bad" 2>&1
	expect_ne "virsh start of a missing kernel: exit" "$?" 0
	sed 's/^/    | /' "$SCN_DIR/start-bad"
	# libvirt 9.0 calls `stopped end` before `release end` after a failed
	# start; the key is gone after the first of them
	sd_libvirt_expect_calls tdxbad \
		"prepare begin held:1,start begin held:1,stopped end held:0,release end held:0"
	journal_key "$MSG_HELD" "$bad" >"$SCN_DIR/j-held"
	journal_key "$MSG_RELEASED" "$bad" >"$SCN_DIR/j-released"
	expect_match "failed start: held at prepare" "$SCN_DIR/j-held" "inhibitor key $bad held"
	expect_match "failed start: released" "$SCN_DIR/j-released" "inhibitor key $bad released"
	expect_eq "HeldInhibitors after the failed start" "$(sd_held)" "a(sssut) 0"

	# a key nobody releases expires, is logged, and the update goes ahead
	# (a TTL of 2 s ran out before the update's pre-flight under load: 15 s)
	timeout 60 tdxctl inhibit --hold=libvirt:lost --who=libvirt --why="start never finished" --ttl=15 \
		>/dev/null || fail "inhibit --hold"
	timeout 120 tdxctl update --yes 1.5.20 >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "update under the lost key: exit" "$?" 1
	for _ in $(seq 1 300); do
		[ -n "$(journal_key "$MSG_EXPIRED" libvirt:lost)" ] && break
		sleep 0.1
	done
	journal_key "$MSG_EXPIRED" libvirt:lost >"$SCN_DIR/j-expired"
	expect_match "expiry logged" "$SCN_DIR/j-expired" "inhibitor key libvirt:lost expired"
	expect_eq "HeldInhibitors after the expiry" "$(sd_held)" "a(sssut) 0"
	timeout 120 tdxctl update --yes 1.5.20 >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "update after the expiry: exit" "$?" 0
	expect_state 1.5.20 14 2
	sd_libvirt_collect
	timeout 60 systemctl stop libvirtd.service libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket 2>/dev/null
}
