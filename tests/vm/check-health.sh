#!/bin/sh
# tests/vm/check-health.sh - the line-health scenarios on the real kernel
# (issue 13; tests/vm/README): a driverless edu asserting the shared line.
# Boots pc once (baseline: uio_pci_generic, no intxd) and q35 + intel-iommu
# once (intxd, vfio backend: quarantine by hand, then quarantine = yes);
# health-guest.sh is the guest side.  Skips (77) like check-vm.sh: when QEMU
# or a kernel is missing and cannot be installed (not with INTXVM_REQUIRE=1)
# or SKIP_VM_TESTS is set.  INTXVM_HEALTH_COUNT: raises per phase (30).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=check-health
. "$HERE/prologue.sh"
vm_prologue tests/vm/health-test
LOGDIR=${INTXVM_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/intxvm-health.XXXXXX")}
mkdir -p "$LOGDIR"
COUNT=${INTXVM_HEALTH_COUNT:-30}
rc=0
for spec in pc:baseline q35-iommu:intxd; do
    m=${spec%%:*} mode=${spec#*:}
    echo "=== check-health: $m ($mode), console log $LOGDIR/health-$m.log"
    "$HERE/run-guest.sh" --machine "$m" --edu-slots "4 8 12 16" --timeout 170 \
        --log "$LOGDIR/health-$m.log" "$HERE/health-guest.sh" "$mode" "$BUILD" "$COUNT" \
        | tee "$LOGDIR/health-$m.out"
    r=$(sed -n 's/^INTXVM-EXIT: //p' "$LOGDIR/health-$m.log" | tail -n 1)
    [ -n "$r" ] || r=125
    if [ "$r" = 0 ]; then echo "=== check-health: $m PASS"; else
        echo "=== check-health: $m FAIL ($r)"; rc=1
        [ "$r" -ge 124 ] 2>/dev/null && tail -n 30 "$LOGDIR/health-$m.log"
    fi
done
echo "=== check-health summary (logs in $LOGDIR)"
grep -h '^RESULT' "$LOGDIR"/health-*.out 2>/dev/null | sed 's/^RESULT /  /'
exit $rc
