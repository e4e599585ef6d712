# shellcheck shell=bash
# The `systemd` suite: tdxctl as shipped, under systemd as PID 1 in the TCG
# guest, with the real dbus-daemon, polkitd and journald (sd-run.sh boots
# it). One function per scenario, named as its meson test (systemd-<name
# without sd->). guest-lib.sh and tests/bus/vm-scenarios.sh provide the
# helpers. Scenarios share one boot and run in this order; each leaves tdxd
# running on a fresh simulator state for the next.

# shellcheck disable=SC2034 # read by sd-run.sh and meson.build
# sd-libvirt (sd-libvirt.sh) updates: it runs before sd-reapply's first boot,
# which must leave its own update the last one installed.
SD_SCENARIOS=(sd-activation sd-hardened-update sd-polkit sd-timer sd-stop sd-hooks
	sd-fleetlock sd-libvirt sd-reapply sd-journal)

MSG_STARTED=5c1f0e7a9b2d4e0c8a61f3d2b7e49a10
STORE_DIR=/usr/lib/firmware/intel/tdx

# The configuration file tdxd reads by default (tdxd --help names it).
tdxd_conf_path() {
	tdxd --help | sed -n 's/.*Configuration file (default \(.*\)).*/\1/p'
}

# tdxd_configure LINES: the shipped tdxd.conf (trusting the test key, see
# sd-prepare.sh) plus LINES, then a restart.
tdxd_configure() {
	local conf
	conf=$(tdxd_conf_path)
	{ cat "$conf.shipped"; printf '%b\n' "$1"; } >"$conf"
	systemctl restart tdxd.service || fail "systemctl restart tdxd"
}

# sd_wait_prop PROPERTY VALUE: up to 5 s for the cache (uevents) to catch up.
sd_wait_prop() {
	for _ in $(seq 1 50); do
		[ "$(bprop "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 stayed '$(bprop "$1")', expected '$2'"
}

# sd_sim VERSION [PARAMS]: a fresh simulator, and tdxd's cache showing it.
sd_sim() {
	sim_load module_version="$1" "${@:2}"
	systemctl is-active -q tdxd.service && sd_wait_prop ModuleVersion "$1"
}

journal_of() { # UNIT: this boot's journal of UNIT, messages only
	journalctl -b -o cat -u "$1" --no-pager
}

# ---- 1: D-Bus activation of a unit nobody enabled ----

scn_sd-activation() {
	local t0 t1 t2 f0 f1 reply
	sim_load module_version=1.5.06
	expect_eq "tdxd before the first call" "$(systemctl is-active tdxd.service)" "inactive"
	expect_eq "tdxd enabled" "$(systemctl is-enabled tdxd.service 2>&1)" "disabled"
	f0=$EPOCHREALTIME
	/bin/true
	f1=$EPOCHREALTIME
	t0=$EPOCHREALTIME
	reply=$(busctl get-property "${BUS_DEST[@]}" ModuleVersion 2>&1)
	t1=$EPOCHREALTIME
	busctl get-property "${BUS_DEST[@]}" ModuleVersion >/dev/null 2>&1
	t2=$EPOCHREALTIME
	expect_eq "first call's reply" "$reply" 's "1.5.06"'
	expect_eq "tdxd after it" "$(systemctl is-active tdxd.service)" "active"
	expect_eq "unit type" "$(systemctl show -P Type tdxd.service)" "notify"
	expect_eq "status text (sent with READY=1)" "$(systemctl show -P StatusText tdxd.service)" \
		"Serving org.tdxctl.tdx1"
	journalctl -b -o cat -u dbus.service --no-pager >"$SCN_DIR/dbus.journal"
	expect_match "dbus-daemon activated it" "$SCN_DIR/dbus.journal" \
		"Activating (via systemd|systemd to hand-off): service name='org.tdxctl.tdx1' unit='tdxd.service'"
	python3 - "$f0" "$f1" "$t0" "$t1" "$t2" <<'PY'
import sys
f0, f1, t0, t1, t2 = map(float, sys.argv[1:])
print(f"  bench: first busctl call (activates tdxd) -> reply {1000 * (t1 - t0):.0f} ms; "
      f"second call {1000 * (t2 - t1):.1f} ms; floor /bin/true {1000 * (f1 - f0):.1f} ms")
PY
}

# ---- 2: the shipped hardened unit performs a real two-hop update ----

scn_sd-hardened-update() {
	local frag
	frag=$(systemctl show -P FragmentPath tdxd.service)
	[[ $frag =~ ^(/usr)?/lib/systemd/system/tdxd.service$ ]] ||
		fail "tdxd.service is $frag, not the shipped unit"
	expect_eq "drop-ins" "$(systemctl show -P DropInPaths tdxd.service)" ""
	systemctl show tdxd.service -p ProtectSystem -p DevicePolicy -p ProtectProc \
		-p MemoryDenyWriteExecute -p NoNewPrivileges -p RestrictNamespaces \
		-p ProtectHome -p PrivateTmp -p SystemCallFilter -p RestrictAddressFamilies \
		-p CapabilityBoundingSet >"$SCN_DIR/sandbox"
	sed 's/^/    | /' "$SCN_DIR/sandbox" | cut -c1-160
	expect_match "sandbox" "$SCN_DIR/sandbox" "^ProtectSystem=strict$"
	# PrivateDevices=yes would drop CAP_SYS_RAWIO; the unit keeps its other effects.
	expect_match "sandbox" "$SCN_DIR/sandbox" "^DevicePolicy=closed$"
	expect_match "sandbox" "$SCN_DIR/sandbox" "^CapabilityBoundingSet=cap_sys_module cap_sys_rawio$"
	expect_match "sandbox" "$SCN_DIR/sandbox" "^ProtectProc=invisible$"
	expect_match "sandbox" "$SCN_DIR/sandbox" "^MemoryDenyWriteExecute=yes$"
	expect_match "sandbox" "$SCN_DIR/sandbox" "^SystemCallFilter=.+"
	sd_sim 1.5.01
	tdxctl update --yes >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "tdxctl update through tdxd: exit" "$?" 0
	sed 's/^/    | /' "$SCN_DIR/update"
	expect_match "both hops" "$SCN_DIR/update" "1\.5\.(06|08|10) -> 1\.5\.20: success"
	expect_state 1.5.20 14 2
	expect_tcb_props "$STORE_DIR/$J/tdx_module_1.5.20.blob" 1.5.20
	# GetList's sealed memfd (memfd_create is in @system-service) under the shipped sandbox.
	tdxctl --json list >"$SCN_DIR/list" 2>&1 </dev/null
	expect_eq "tdxctl --json list through tdxd: exit" "$?" 0
	expect_match "list through tdxd" "$SCN_DIR/list" '"version":"1\.5\.20"'
	busctl call "${BUS_DEST[@]}" GetList a{sv} 0 >"$SCN_DIR/getlist" 2>&1
	expect_match "GetList's reply" "$SCN_DIR/getlist" '^h [0-9]+$'
	journal_of tdxd.service >"$SCN_DIR/journal"
	expect_no_match "tdxd's journal" "$SCN_DIR/journal" "Operation not permitted|Permission denied"
}

# ---- 3: real polkit ----

as_user() { runuser -u tdxuser -- "$@"; }

scn_sd-polkit() {
	local fdupd="$VM_BUILD/tests/bus/fd-update" rules=/etc/polkit-1/rules.d/50-tdxops.rules
	sd_sim 1.5.06
	as_user tdxctl update --yes >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "Update refused: tdxctl exit" "$?" 1
	expect_match "Update refused" "$SCN_DIR/update" "NotAuthorized|not authorized|authentication required"
	as_user "$fdupd" "$STORE_DIR/$J/tdx_module_1.5.08.blob" >"$SCN_DIR/fd" 2>&1
	expect_match "UpdateFromFd refused" "$SCN_DIR/fd" "org.tdxctl.tdx1.Error.NotAuthorized"
	as_user tdxctl inhibit --who test --why polkit -- true >"$SCN_DIR/inhibit" 2>&1
	expect_eq "Inhibit refused: tdxctl exit" "$?" 1
	expect_match "Inhibit refused" "$SCN_DIR/inhibit" "NotAuthorized|not authorized|authentication required"
	expect_state 1.5.06 16 0
	as_user busctl get-property "${BUS_DEST[@]}" ModuleVersion >"$SCN_DIR/prop" 2>&1
	expect_eq "property as tdxuser" "$(cat "$SCN_DIR/prop")" 's "1.5.06"'
	as_user tdxctl status >"$SCN_DIR/status" 2>&1
	expect_eq "tdxctl status as tdxuser: exit" "$?" 0
	expect_match "tdxctl status as tdxuser" "$SCN_DIR/status" "Module: 1\.5\.06"
	# An unprivileged caller receives GetList's memfd through the real dbus-daemon and policy.
	as_user tdxctl --json list >"$SCN_DIR/list" 2>&1 </dev/null
	expect_eq "tdxctl --json list as tdxuser: exit" "$?" 0
	expect_match "list as tdxuser" "$SCN_DIR/list" '"version":"1\.5\.08"'

	cat >"$rules" <<'EOF'
polkit.addRule(function(action, subject) {
	if (action.id.indexOf("org.tdxctl.tdx1.") == 0 && subject.isInGroup("tdxops"))
		return polkit.Result.YES;
});
EOF
	# polkitd re-reads rules.d on its own (inotify); give it a moment.
	for _ in $(seq 1 50); do
		as_user tdxctl inhibit --who test --why polkit -- true >"$SCN_DIR/inhibit" 2>&1 && break
		sleep 0.1
	done
	expect_eq "Inhibit granted: tdxctl exit" "$(as_user tdxctl inhibit --who t --why t -- true \
		>/dev/null 2>&1; echo $?)" 0
	as_user "$fdupd" "$STORE_DIR/$J/tdx_module_1.5.08.blob" >"$SCN_DIR/fd" 2>&1
	if grep -q '^/org/tdxctl/tdx1/job/' "$SCN_DIR/fd"; then
		expect_eq "UpdateFromFd granted: result" "$(bus_job_wait "$(cat "$SCN_DIR/fd")")" success
	else
		fail "UpdateFromFd granted: $(cat "$SCN_DIR/fd")"
	fi
	expect_state 1.5.08 15 1
	as_user tdxctl update --yes >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "Update granted: tdxctl exit" "$?" 0
	sed 's/^/    | /' "$SCN_DIR/update"
	expect_state 1.5.20 14 2
	rm -f "$rules"
}

# ---- 4: the timer path ----

scn_sd-timer() {
	systemctl list-timers --all --no-pager >"$SCN_DIR/timers"
	expect_match "list-timers" "$SCN_DIR/timers" "tdxd-update\.timer +tdxd-update\.service"
	tdxd_configure "[Update]\nAutoUpdate=apply"
	sd_sim 1.5.06
	systemctl start tdxd-update.service
	expect_eq "apply: systemctl start exit" "$?" 0
	expect_state 1.5.20 15 1
	expect_eq "apply: unit result" "$(systemctl show -P Result tdxd-update.service)" success
	systemctl start tdxd-update.service
	expect_eq "nothing newer: systemctl start exit" "$?" 0
	expect_eq "nothing newer: not failed" "$(systemctl is-failed tdxd-update.service)" inactive
	expect_state 1.5.20 15 1
	tdxd_configure ""
	sd_sim 1.5.06
	systemctl start tdxd-update.service
	expect_eq "off: systemctl start exit" "$?" 0
	expect_state 1.5.06 16 0
	expect_eq "off: not failed" "$(systemctl is-failed tdxd-update.service)" inactive
	journal_of tdxd-update.service >"$SCN_DIR/journal"
	sed 's/^/    | /' "$SCN_DIR/journal"
	expect_match "journal: applied" "$SCN_DIR/journal" "1\.5\.06 -> 1\.5\.20: success"
	expect_match "journal: up to date" "$SCN_DIR/journal" "up to date"
	expect_match "journal: off says so" "$SCN_DIR/journal" "AutoUpdate=off.*nothing to do"
}

# ---- 6: systemctl stop during an upload ----

scn_sd-stop() {
	local job
	# A 20 s install: on a loaded host a 6 s window closed before systemctl
	# stop sent SIGTERM (seen once), and then nothing waited.
	sd_sim 1.5.06 install_ms=20000
	job=$(busctl call "${BUS_DEST[@]}" Update "sa{sv}" "" 0 | sed -E 's/^o "(.*)"$/\1/')
	for _ in $(seq 1 100); do
		[ "$(busctl get-property org.tdxctl.tdx1 "$job" org.tdxctl.tdx1.Job Phase)" = \
			's "installing"' ] && break
		sleep 0.1
	done
	expect_ne "fw_upload when stopped" "$(cat "$FW/status")" idle
	systemctl stop tdxd.service
	expect_eq "stop: exit" "$?" 0
	expect_eq "stop: unit result" "$(systemctl show -P Result tdxd.service)" success
	expect_eq "fw_upload after stop" "$(cat "$FW/status")" idle
	expect_state 1.5.20 15 1
	tdxctl --direct history >"$SCN_DIR/history" 2>&1
	sed 's/^/    | /' "$SCN_DIR/history"
	expect_match "history on disk kept the attempt" "$SCN_DIR/history" "1\.5\.06 +1\.5\.20 +success"
	systemctl start tdxd.service
	expect_eq "after restart: ModuleVersion" "$(bprop ModuleVersion)" 1.5.20
	expect_eq "after restart: TcbSource" "$(bprop TcbSource)" installed
	expect_eq "after restart: UpdateState" "$(bprop UpdateState)" idle
	tdxctl history >"$SCN_DIR/tdxctl-history" 2>&1
	expect_match "tdxctl history through tdxd" "$SCN_DIR/tdxctl-history" "1\.5\.06 +1\.5\.20 +success"
	journal_of tdxd.service >"$SCN_DIR/journal"
	expect_match "journal" "$SCN_DIR/journal" "waiting for job [0-9]+ to finish"
}

# ---- 8: hooks in transient units ----

# wait_port PORT: up to 10 s for a loopback listener.
wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	fail "nothing listens on 127.0.0.1:$1"
}

# http_sink PORT FILE: a loopback web hook that appends each POST body to FILE; SINK_PID.
http_sink() {
	python3 - "$1" "$2" <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, out = int(sys.argv[1]), sys.argv[2]
class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", port), Sink).serve_forever()
PY
	SINK_PID=$!
	wait_port "$1"
}

# The fleet hooks of tdxctl-fleet(7): a pre hook that can veto (and hang),
# and a post hook that calls a web hook and writes for node_exporter.
sd_install_fleet_hooks() {
	mkdir -p /etc/tdxd/pre-update.d /etc/tdxd/post-update.d
	cat >/etc/tdxd/pre-update.d/10-gate <<'HOOK'
#!/bin/bash
[ ! -e /run/tdx-gate-closed ] || { echo "gate closed by the test" >&2; exit 1; }
[ ! -e /run/tdx-gate-hang ] || exec sleep 601
mkdir -p /var/lib/hook-out 2>/dev/null && cat >/var/lib/hook-out/pre-stdin.json
exit 0
HOOK
	cat >/etc/tdxd/post-update.d/50-notify <<'HOOK'
#!/bin/bash
doc=$(cat)
msg=""
curl -sf --max-time 5 --data-binary "$doc" http://127.0.0.1:7777/tdx || msg+="no http (curl $?); "
{ mkdir -p /var/lib/hook-out && echo "$TDX_TO" >/var/lib/hook-out/last-to; } 2>/dev/null ||
	msg+="cannot write /var/lib/hook-out; "
[ -z "$msg" ] || { echo "$msg" >&2; exit 3; }
cat /proc/self/cgroup >/var/lib/hook-out/cgroup
# a helper left behind: it is stopped with the hook's unit
setsid sleep 600 </dev/null >/dev/null 2>&1 &
echo $! >/var/lib/hook-out/helper.pid
HOOK
	chmod 0755 /etc/tdxd/pre-update.d/10-gate /etc/tdxd/post-update.d/50-notify
}

sd_hook_update() { # NAME: tdxctl update --yes into $SCN_DIR/NAME; its exit status
	local rc
	tdxctl update --yes >"$SCN_DIR/$1" 2>&1 </dev/null
	rc=$?
	sed 's/^/    | /' "$SCN_DIR/$1"
	return $rc
}

no_hook_units_left() {
	systemctl list-units --all --no-legend 'tdxd-hook-*' >"$SCN_DIR/units" 2>&1
	expect_eq "hook units left loaded" "$(cat "$SCN_DIR/units")" ""
}

scn_sd-hooks() {
	local sink=/run/hook-sink.txt pid
	rm -rf /var/lib/hook-out /run/tdx-gate-*
	: >"$sink"
	http_sink 7777 "$sink"
	sd_install_fleet_hooks
	tdxd_configure "[Hooks]\nTimeoutSec=10"
	journal_of tdxd.service >"$SCN_DIR/journal"
	expect_match "tdxd says where hooks run" "$SCN_DIR/journal" \
		"hooks run in transient units \(TransientUnit=auto\)"

	note "a pre hook's veto, through its unit: exit status and stderr"
	touch /run/tdx-gate-closed
	sd_sim 1.5.06
	sd_hook_update veto
	expect_eq "vetoed update: exit" "$?" 1
	expect_match "vetoed update" "$SCN_DIR/veto" "10-gate failed \(exit 1\): gate closed by the test"
	expect_state 1.5.06 16 0
	rm -f /run/tdx-gate-closed

	note "network and a directory outside tdxd's state, from the post hook's unit"
	sd_hook_update unit
	expect_eq "update: exit" "$?" 0
	expect_state 1.5.20 15 1
	expect_match "the web hook got the post hook's document" "$sink" '"to": ?"1\.5\.20"'
	expect_eq "written by the post hook" "$(cat /var/lib/hook-out/last-to 2>&1)" 1.5.20
	expect_match "the post hook's cgroup" /var/lib/hook-out/cgroup \
		"/system\.slice/tdxd-hook-post-1-[0-9a-f]{16}\.service$"
	expect_eq "the pre hook's stdin: to" \
		"$(jq -r .to /var/lib/hook-out/pre-stdin.json 2>&1)" 1.5.20
	pid=$(cat /var/lib/hook-out/helper.pid)
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	expect_eq "the helper the post hook left behind" \
		"$(kill -0 "$pid" 2>/dev/null && echo running || echo stopped)" stopped
	no_hook_units_left
	journalctl -b -o cat --no-pager >"$SCN_DIR/system.journal"
	expect_match "systemd's journal" "$SCN_DIR/system.journal" \
		"tdxd-hook-pre-1-[0-9a-f]{16}\.service"

	note "a hook that hangs: killed at TimeoutSec= with its unit"
	tdxd_configure "[Hooks]\nTimeoutSec=3"
	touch /run/tdx-gate-hang
	sd_sim 1.5.06
	sd_hook_update hang
	expect_eq "hung hook: exit" "$?" 1
	expect_match "hung hook" "$SCN_DIR/hang" "10-gate timeout .*timed out after 3000 ms"
	expect_state 1.5.06 16 0
	expect_eq "the hung hook's process" "$(pgrep -fx 'sleep 601')" ""
	no_hook_units_left
	rm -f /run/tdx-gate-hang

	note "the [Hooks] profile reaches the unit: IPAddressDeny=any"
	tdxd_configure "[Hooks]\nIPAddressDeny=any"
	rm -rf /var/lib/hook-out
	sd_sim 1.5.06
	sd_hook_update denied
	expect_eq "update: exit" "$?" 0
	journal_of tdxd.service >"$SCN_DIR/journal"
	expect_match "tdxd's journal" "$SCN_DIR/journal" \
		"post-update hook .*50-notify failed: no http \(curl [0-9]+\);"
	expect_no_match "tdxd's journal" "$SCN_DIR/journal" "cannot write /var/lib/hook-out"
	expect_eq "written by the post hook" "$(cat /var/lib/hook-out/last-to 2>&1)" 1.5.20

	note "the same hooks forked inside tdxd's sandbox (TransientUnit=no): refused"
	tdxd_configure "[Hooks]\nTransientUnit=no"
	rm -rf /var/lib/hook-out
	cp "$sink" "$SCN_DIR/sink-before"
	sd_sim 1.5.06
	sd_hook_update forked
	expect_eq "update: exit" "$?" 0
	journal_of tdxd.service >"$SCN_DIR/journal"
	expect_match "tdxd's journal" "$SCN_DIR/journal" "hooks run inside tdxd's sandbox"
	expect_match "tdxd's journal" "$SCN_DIR/journal" \
		"post-update hook .*50-notify failed: no http \(curl [0-9]+\); cannot write /var/lib/hook-out;"
	expect_eq "the web hook, forked" "$(cmp -s "$sink" "$SCN_DIR/sink-before" && echo unchanged)" \
		unchanged
	expect_eq "/var/lib/hook-out, forked" "$(test -e /var/lib/hook-out && echo written)" ""

	kill "$SINK_PID" 2>/dev/null
	rm -rf /etc/tdxd/pre-update.d/10-gate /etc/tdxd/post-update.d/50-notify /var/lib/hook-out
	tdxd_configure ""
	sd_sim 1.5.06
}

# ---- 9: FleetLock under the shipped unit ----

scn_sd-fleetlock() {
	local server url=http://127.0.0.1:7778/
	python3 "$VM_TOP/tests/fleet/fleetlock-server.py" 7778 memory tdx-module=1 \
		>"$SCN_DIR/server.out" 2>"$SCN_DIR/server.log" &
	server=$!
	wait_port 7778
	systemctl show tdxd.service -p IPAddressDeny -p RestrictAddressFamilies -p DropInPaths \
		>"$SCN_DIR/sandbox"
	sed 's/^/    | /' "$SCN_DIR/sandbox"
	expect_match "tdxd keeps no network" "$SCN_DIR/sandbox" "^IPAddressDeny=.*::/0"
	expect_match "tdxd keeps no network" "$SCN_DIR/sandbox" \
		"^RestrictAddressFamilies=(AF_UNIX AF_NETLINK|AF_NETLINK AF_UNIX)$"
	expect_match "no drop-in" "$SCN_DIR/sandbox" "^DropInPaths=$"

	tdxd_configure "[FleetLock]\nBaseURL=$url"
	expect_match "released at start" "$SCN_DIR/server.log" '"POST /v1/steady-state HTTP/1\.1" 200'
	sd_sim 1.5.06
	tdxctl update --yes >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "update with FleetLock: exit" "$?" 0
	sed 's/^/    | /' "$SCN_DIR/update" "$SCN_DIR/server.out"
	expect_state 1.5.20 15 1
	expect_match "slot taken" "$SCN_DIR/server.out" \
		'^tdx-module \{"total_slots": 1, "holders": \["[0-9a-f]{32}"\]\}$'
	expect_eq "the last state: released" "$(tail -n 1 "$SCN_DIR/server.out")" \
		'tdx-module {"total_slots": 1, "holders": []}'
	journalctl -b -o cat --no-pager >"$SCN_DIR/system.journal"
	expect_match "the requests' units" "$SCN_DIR/system.journal" \
		"tdxd-fleetlock-pre_reboot-[0-9a-f]{16}\.service"
	expect_match "the requests' units" "$SCN_DIR/system.journal" \
		"tdxd-fleetlock-steady_state-[0-9a-f]{16}\.service"

	note "the client inside tdxd (TransientUnit=no) cannot reach the server"
	tdxd_configure "[FleetLock]\nBaseURL=$url\n[Hooks]\nTransientUnit=no\n[Update]\nUploadTimeoutSec=2"
	sd_sim 1.5.06
	tdxctl update --yes >"$SCN_DIR/inside" 2>&1 </dev/null
	expect_eq "update, FleetLock inside tdxd: exit" "$?" 1
	sed 's/^/    | /' "$SCN_DIR/inside"
	expect_match "update, FleetLock inside tdxd" "$SCN_DIR/inside" \
		"FleetLock: no update slot .*\(last: .*127\.0\.0\.1.*\); nothing written"
	expect_state 1.5.06 16 0
	kill "$server" 2>/dev/null
	tdxd_configure ""
	sd_sim 1.5.06
}

# ---- 7: re-apply at boot (boot 1 installs, boot 2 checks) ----

# Boot 1: install 1.5.10 explicitly (not the newest) and ask for re-apply.
scn_sd-reapply-first-boot() {
	# Restarted on the version installed last: nothing to re-apply yet.
	tdxd_configure "[Update]\nReapplyAtBoot=yes"
	sd_sim 1.5.06
	tdxctl update 1.5.10 --yes >"$SCN_DIR/update" 2>&1 </dev/null
	expect_eq "update to 1.5.10: exit" "$?" 0
	expect_state 1.5.10 15 1
	cp "$(tdxd_conf_path)" /var/lib/tdxd/test-tdxd.conf
}

# Before boot 2's systemd: the simulator comes up at boot at the old version
# (systemd-modules-load), tdxd starts at boot with ReapplyAtBoot=yes, and a
# stand-in for libvirtd records the module version it sees when it starts.
sd_reapply_prepare_second_boot() {
	echo tdx_host_sim >/etc/modules-load.d/tdx_host_sim.conf
	# install_ms: a re-apply that takes a while, so a READY=1 sent before it ends shows.
	echo "options tdx_host_sim module_version=1.5.06 install_ms=3000" \
		"trusted_keys=$(cat "$VM_BUILD/vm/test-key-sha256")" >/etc/modprobe.d/tdx_host_sim.conf
	cp /var/lib/tdxd/test-tdxd.conf "$(tdxd_conf_path)"
	cat >/etc/systemd/system/libvirtd.service <<'EOF'
[Unit]
Description=Stand-in for libvirtd: records the TDX module version at its start

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'cat /sys/devices/faux/tdx_host/version >/run/libvirtd-saw-version 2>&1'
EOF
}

scn_sd-reapply() {
	if ! grep -qs '^PASS' /results/sd-reapply-first-boot.result; then
		fail "first boot: $(cat /results/sd-reapply-first-boot.result 2>/dev/null)"
		sed 's/^/    | /' /results/sd-reapply-first-boot.log 2>/dev/null
	fi
	expect_eq "libvirtd saw" "$(cat /run/libvirtd-saw-version 2>&1)" 1.5.10
	expect_eq "tdxd" "$(systemctl is-active tdxd.service)" active
	expect_state 1.5.10 15 1
	systemctl show -P ActiveEnterTimestampMonotonic tdxd.service >"$SCN_DIR/t-tdxd"
	systemctl show -P ExecMainStartTimestampMonotonic libvirtd.service >"$SCN_DIR/t-libvirtd"
	expect_eq "libvirtd started after tdxd was ready" \
		"$(($(cat "$SCN_DIR/t-libvirtd") >= $(cat "$SCN_DIR/t-tdxd")))" 1
	journal_of tdxd.service >"$SCN_DIR/journal"
	sed 's/^/    | /' "$SCN_DIR/journal"
	expect_match "journal: re-applied" "$SCN_DIR/journal" "re-appl.*1\.5\.10"
	expect_match "journal: from the version the simulator booted with" "$SCN_DIR/journal" \
		"1\.5\.06 -> 1\.5\.10: success"
}

# ---- 5: journald (runs last in boot 1: every update of the boot) ----

scn_sd-journal() {
	local ids
	# every MESSAGE_ID is documented; the update ones (started, 4 outcomes) are checked here
	for id in $(sed -n 's/^#define TDX_MESSAGE_[A-Z_]* *"\([0-9a-f]\{32\}\)".*/\1/p' \
		"$VM_TOP/src/shared/bus-names.h"); do
		for page in tdxd.8 tdxctl-dbus.5; do
			grep -q "$id" "$VM_TOP/man/$page.scd" || fail "$page does not list $id"
		done
	done
	ids=$(sed -n 's/^#define TDX_MESSAGE_UPDATE_[A-Z_]* *"\([0-9a-f]\{32\}\)".*/\1/p' \
		"$VM_TOP/src/shared/bus-names.h")
	expect_eq "update MESSAGE_IDs in bus-names.h" "$(echo "$ids" | wc -l)" 5
	for id in $ids; do
		journalctl -b -o json --no-pager "MESSAGE_ID=$id"
	done >"$SCN_DIR/events.json"
	jq -rs --arg started "$MSG_STARTED" -f /dev/stdin "$SCN_DIR/events.json" >"$SCN_DIR/check" \
		2>&1 <<'JQ' || echo "FAIL jq could not check the entries" >>"$SCN_DIR/check"
# tdxd's journal entries, one JSON object a line (journalctl -o json):
# every entry has the TDX_ fields; every job (process and number: job
# numbers restart with tdxd) has a start and an outcome; at least 6 updates.
["TDX_JOB", "TDX_FROM", "TDX_TO", "TDX_RESULT", "TDX_ERROR", "PRIORITY"] as $fields
| map(. as $e | {e: ., missing: [$fields[] | select(. as $f | $e | has($f) | not)]}) as $all
| [$all[] | select(.missing == []) | .e] as $ok
| ([$ok[] | select(.MESSAGE_ID == $started) | [._PID, .TDX_JOB]] | unique) as $starts
| ([$ok[] | select(.MESSAGE_ID != $started) | [._PID, .TDX_JOB]] | unique) as $outcomes
| ($all[] | select(.missing != []) | "FAIL entry without \(.missing): \(.e.MESSAGE)"),
  ($ok[] | "  \(.MESSAGE_ID[-2:]) pid \(._PID) job \(.TDX_JOB): \(.MESSAGE)"),
  "  \($starts | length) started, \($outcomes | length) outcomes",
  ($starts - $outcomes | .[] | "FAIL job \(.) started but has no outcome entry"),
  ($outcomes - $starts | .[] | "FAIL job \(.) has an outcome but no start entry"),
  if ($starts | length) < 6 then "FAIL only \($starts | length) updates in the journal" else empty end
JQ
	sed 's/^/    | /' "$SCN_DIR/check"
	expect_no_match "every update: start and outcome" "$SCN_DIR/check" "^FAIL"
	journalctl -b -o cat --no-pager MESSAGE_ID=$MSG_STARTED >"$SCN_DIR/started"
	expect_match "journalctl MESSAGE_ID=<started>" "$SCN_DIR/started" "TDX module update"
}

# Real libvirt and the shipped hook (issue 9).
. "$(dirname "${BASH_SOURCE[0]}")/sd-libvirt.sh"
