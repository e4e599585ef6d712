#!/bin/bash
# Metrics, labels and the reboot sentinel, with the real consumers' tools:
# tdxd writes tdxd.prom after every refresh and job; promtool (Debian's
# prometheus) accepts it; Debian's prometheus-node-exporter, with only the
# textfile collector on 127.0.0.1, serves the tdx_* series with
# node_textfile_scrape_error 0, also while tdxd rewrites the file during a
# bounded run of scrapes. The NFD feature file follows the job. A FATAL
# update leaves the reboot marker and `tdxctl reboot-required` exits 0.
. "$BUS_SRCDIR/lib.sh"
export TDXCTL_LOCK_PATH="$WORK/update.lock"
for tool in promtool prometheus-node-exporter curl; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (tools/install-deps.sh)"; exit 1; }
done
mkdir -p "$WORK/prom" "$WORK/nfd"
standard_setup "[Metrics]" "TextfileDirectory=$WORK/prom" "[Labels]" "Directory=$WORK/nfd" \
	"RefreshSec=1"
PROM=$WORK/prom/tdxd.prom
FEATURES=$WORK/nfd/tdxctl

# Written at start, 0644, accepted by promtool.
CHECKS=$((CHECKS + 1))
[ "$(stat -c %a "$PROM" 2>/dev/null)" = 644 ] || fail "tdxd.prom missing or not 0644"
promtool check metrics <"$PROM" >"$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$WORK/promtool.out")"
CHECKS=$((CHECKS + 1))
expect_grep "$PROM" '^tdx_module_info\{version="1\.5\.06",seamldr_version="1\.5\.02",mrseam="[0-9a-f]{96}"\} 1$'
expect_grep "$PROM" '^tdx_module_update_available 1$'
expect_grep "$PROM" '^tdx_seamldr_remaining_updates 10$'
expect_grep "$FEATURES" '^tdx\.tdxctl\.org/module\.full=1\.5\.06$'
expect_grep "$FEATURES" '^# \+expiry-time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'

# The labels are re-written every RefreshSec= with a later expiry (a dead tdxd's expire).
expiry1=$(sed -n 's/^# +expiry-time=//p' "$FEATURES")
wait_for 50 bash -c "! grep -q 'expiry-time=$expiry1' '$FEATURES'"
expiry2=$(sed -n 's/^# +expiry-time=//p' "$FEATURES")
CHECKS=$((CHECKS + 1))
[[ "$expiry2" > "$expiry1" ]] || fail "feature file expiry not renewed: $expiry1 -> $expiry2"

# node_exporter with only the textfile collector, on loopback.
port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$WORK/prom" --web.listen-address="127.0.0.1:$port" \
	>"$WORK/node-exporter.log" 2>&1 &
PIDS+=($!)
wait_for 100 curl -sf "http://127.0.0.1:$port/metrics" || fail "node_exporter did not start: $(cat "$WORK/node-exporter.log")"
curl -sf "http://127.0.0.1:$port/metrics" >"$WORK/scrape"
expect_grep "$WORK/scrape" '^node_textfile_scrape_error 0$' "scrape"
expect_grep "$WORK/scrape" '^tdx_module_info\{mrseam="[0-9a-f]{96}",seamldr_version="1\.5\.02",version="1\.5\.06"\} 1$' "scrape"
expect_grep "$WORK/scrape" '^tdx_module_updates_total\{result="success"\} 0$' "scrape"

# An update: the files follow the job.
start_fake_kernel success 1.5.08
job=$(start_update 1.5.08)
expect_job "$job" success "update to 1.5.08"
expect_grep "$PROM" '^tdx_module_updates_total\{result="success"\} 1$'
expect_grep "$PROM" '^tdx_module_last_update_success 1$'
expect_grep "$PROM" '^tdx_module_info\{version="1\.5\.08"'
expect_grep "$FEATURES" '^tdx\.tdxctl\.org/module\.full=1\.5\.08$'
expect_grep "$FEATURES" '^tdx\.tdxctl\.org/remaining-updates=9$'

# Rewrites during scrapes: 60 refreshes (each rewrites the file) against 60
# scrapes, concurrently (bounded); no scrape may see a partial file.
(for _ in $(seq 60); do "${BUSCTL[@]}" call "${DEST[@]}" Refresh >/dev/null 2>&1; done) &
writer=$!
errors=0 scrapes=0
for _ in $(seq 60); do
	curl -sf "http://127.0.0.1:$port/metrics" >"$WORK/scrape" || continue
	scrapes=$((scrapes + 1))
	grep -q '^node_textfile_scrape_error 0$' "$WORK/scrape" || errors=$((errors + 1))
	grep -q '^tdx_module_lost 0$' "$WORK/scrape" || errors=$((errors + 1))
done
wait "$writer"
echo "rewrites during scrapes: $scrapes scrapes, $errors with a scrape error or a missing series"
CHECKS=$((CHECKS + 1))
[ "$scrapes" -eq 60 ] && [ "$errors" -eq 0 ] || fail "$errors of $scrapes scrapes saw an error"

# kured's sentinel command: no reboot needed yet.
run reboot-required
expect_rc 1 "reboot-required on a healthy host"
# FATAL: the module is lost.
kill "${PIDS[-2]}" 2>/dev/null # the first fake kernel
start_fake_kernel fatal
set_sysfs "$WORK/sys" version=1.5.08
"${BUSCTL[@]}" call "${DEST[@]}" Refresh >/dev/null
job=$(start_update 1.5.10)
expect_job "$job" fatal "update to 1.5.10 (fatal)"
CHECKS=$((CHECKS + 1))
[ -e "$WORK/reboot-required" ] || fail "no reboot marker after a FATAL update"
expect_grep "$PROM" '^tdx_module_lost 1$'
expect_grep "$PROM" '^tdx_module_updates_total\{result="fatal"\} 1$'
expect_grep "$FEATURES" '^tdx\.tdxctl\.org/module-lost=true$'
promtool check metrics <"$PROM" >"$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics (lost module): $(cat "$WORK/promtool.out")"
run reboot-required
expect_rc 0 "reboot-required after FATAL"
expect_grep "$OUT" 'the TDX module is lost'
run reboot-required --json
expect_rc 0 "reboot-required --json"
expect_json '.reason' module_lost
# The marker alone (the module readable again, as on a host that has not rebooted yet).
set_sysfs "$WORK/sys" version=1.5.08
run reboot-required --json
expect_rc 0 "reboot-required with the marker"
expect_json '.reason' fatal_update
bus_finish
