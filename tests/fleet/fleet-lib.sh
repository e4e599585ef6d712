# Shared by the FleetLock tests and tools/fleet-demo.sh (sourced after
# ../bus/lib.sh): N simulated hosts, each a tdxd on its own private bus with
# its own sysfs fixture, fake kernel, store copy, lock and state directory;
# a real etcd and the FleetLock server of fleetlock-server.py.
FLEET_GROUP=tdx-module
FLEET_KEY="com.coreos.airlock/groups/$FLEET_GROUP/v1/semaphore"

free_port() {
	"$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_etcd: a single-member etcd on loopback; sets ETCD_URL.
start_etcd() {
	local cport pport
	cport=$(free_port) pport=$(free_port)
	ETCD_URL=http://127.0.0.1:$cport
	etcd --name fleet --data-dir "$WORK/etcd" --listen-client-urls "$ETCD_URL" \
		--advertise-client-urls "$ETCD_URL" --listen-peer-urls "http://127.0.0.1:$pport" \
		--initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "fleet=http://127.0.0.1:$pport" >"$WORK/etcd.log" 2>&1 &
	PIDS+=($!)
	wait_for 200 etcdctl --endpoints="$ETCD_URL" endpoint health ||
		{ cat "$WORK/etcd.log"; echo "etcd did not start"; exit 1; }
}

# start_fleetlock SLOTS: the server on loopback; sets FLEETLOCK_URL.
start_fleetlock() {
	local port
	port=$(free_port)
	FLEETLOCK_URL=http://127.0.0.1:$port/
	"$PYTHON" "$FLEET_SRCDIR/fleetlock-server.py" "$port" "$ETCD_URL" "$FLEET_GROUP=$1" \
		>"$WORK/fleetlock.log" 2>&1 &
	PIDS+=($!)
	wait_for 100 grep -q ready "$WORK/fleetlock.log" || { echo "FleetLock server did not start"; exit 1; }
}

# host_env I CMD...: CMD with host I's bus, sysfs and lock.
host_env() {
	local h=$WORK/h$1
	shift
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=$h/bus" TDXCTL_SYSFS_ROOT="$h/sys" \
		TDXCTL_LOCK_PATH="$h/update.lock" "$@"
}

# setup_host I VERSION: host I's bus, fixture (running VERSION) and config.
setup_host() {
	local h=$WORK/h$1
	mkdir -p "$h/hooks/pre-update.d" "$h/hooks/post-update.d" "$h/prom"
	make_sysfs "$h/sys" version="$2"
	cp -r "$WORK/store" "$h/store"
	sed -e "s|$WORK/system_bus_socket|$h/bus|" "$WORK/bus.conf" >"$h/bus.conf"
	dbus-daemon --config-file="$h/bus.conf" --nofork --nopidfile 2>"$h/dbus.log" &
	PIDS+=($!)
	wait_for 50 test -S "$h/bus" || { echo "host $1: dbus-daemon did not start"; exit 1; }
	cat >"$h/tdxd.conf" <<EOC
[Store]
Path=$h/store
[Hooks]
Directory=$h/hooks
[Daemon]
StateDirectory=$h/state
[Update]
TrustedSigningKeys=$TEST_KEY_SHA256
UploadTimeoutSec=120
[Metrics]
TextfileDirectory=$h/prom
[FleetLock]
BaseURL=$FLEETLOCK_URL
ID=host-$1
EOC
}

declare -A HOST_TDXD HOST_KERNEL
start_host_tdxd() {
	local h=$WORK/h$1
	# A simple command, so that $! is tdxd itself (bus_exit kills it).
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=$h/bus" TDXCTL_SYSFS_ROOT="$h/sys" \
		TDXCTL_LOCK_PATH="$h/update.lock" "$TDXD" --config="$h/tdxd.conf" >>"$h/tdxd.log" 2>&1 &
	HOST_TDXD[$1]=$!
	PIDS+=($!)
	wait_for 100 host_env "$1" "${BUSCTL[@]}" call org.tdxctl.tdx1 /org/tdxctl/tdx1 \
		org.freedesktop.DBus.Peer Ping || { cat "$h/tdxd.log"; echo "host $1: tdxd did not start"; exit 1; }
}

stop_host_tdxd() {
	kill "${HOST_TDXD[$1]}" 2>/dev/null
	wait "${HOST_TDXD[$1]}" 2>/dev/null
}

# start_host_kernel I STEP...: host I's fake kernel (tests/common/fake-kernel
# steps: version=X.Y.ZZ, lost, ...); the last step serves every later upload.
start_host_kernel() {
	local i=$1 h=$WORK/h$1
	shift
	spawn_fake_kernel "$h/fake-kernel.log" --log "$h" --repeat "$h/sys" "$@"
	HOST_KERNEL[$i]=$FAKE_KERNEL_PID
	PIDS+=("$FAKE_KERNEL_PID")
}

# host_update I TARGET: starts an update job on host I, prints its path.
host_update() {
	host_env "$1" "${BUSCTL[@]}" call "${DEST[@]}" Update "sa{sv}" "$2" 0 | sed -E 's/^o "(.*)"$/\1/'
}

host_job_prop() {
	host_env "$1" "${BUSCTL[@]}" get-property org.tdxctl.tdx1 "$2" org.tdxctl.tdx1.Job "$3" |
		sed -E 's/^[a-z]+ //; s/"//g'
}

host_prop() {
	host_env "$1" "${BUSCTL[@]}" get-property "${DEST[@]}" "$2" | sed -E 's/^[a-z()]+ //; s/"//g'
}

# semaphore_history: one line per etcd revision of the semaphore key, "REV HOLDERS,..."
semaphore_history() {
	local last rev
	last=$(etcdctl --endpoints="$ETCD_URL" get "$FLEET_KEY" -w json | jq -r '.kvs[0].mod_revision // 0')
	for rev in $(seq 1 "$last"); do
		etcdctl --endpoints="$ETCD_URL" get "$FLEET_KEY" --rev="$rev" --print-value-only 2>/dev/null |
			jq -r --arg rev "$rev" 'select(.) | "\($rev) \(.holders | join(","))"'
	done | uniq -f1
}
