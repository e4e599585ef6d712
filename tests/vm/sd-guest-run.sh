#!/bin/bash
# The systemd suite's test unit (sd-prepare.sh writes it): runs the named
# scenarios of sd-scenarios.sh under systemd as PID 1, with guest-lib.sh's
# conventions (/results/<name>.result and .log).
here=$(dirname "${BASH_SOURCE[0]}")
. "$here/guest-lib.sh"
. "$here/scenarios.sh" # J, the catalog's layout
. "$here/../bus/vm-scenarios.sh"
. "$here/sd-scenarios.sh"
echo "systemd: $(systemctl is-system-running 2>&1), PID 1 is $(cat /proc/1/comm);" \
	"this unit started $(($(systemctl show -P ExecMainStartTimestampMonotonic tdx-test.service) / 1000)) ms after the kernel"
if [ "${1:-}" = --demo ]; then
	bash "$VM_TOP/tools/demo-systemd.sh" --guest
	exit
fi
run_scenarios "$@"
