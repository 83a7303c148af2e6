#!/bin/sh
# tests/vm/smoke.sh - boots pc (uio_pci_generic) and q35-iommu (vfio-pci) once
# each with edus in slots 4 8 12 5 and checks that 4, 8, 12 share one INTx line.
# Exit 0 only if both boots pass. Logs: $INTXVM_LOGDIR (default: a temp dir).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LOGDIR=${INTXVM_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/intxvm-smoke.XXXXXX")}
mkdir -p "$LOGDIR"
rc=0
for spec in pc:uio q35-iommu:vfio; do
    m=${spec%%:*} mode=${spec#*:}
    echo "=== smoke: $m ($mode), console log $LOGDIR/$m.log"
    "$HERE/run-guest.sh" --machine "$m" --edu-slots "4 8 12 5" --timeout 120 \
        --log "$LOGDIR/$m.log" "$HERE/smoke-guest.sh" "$mode"
    r=$?
    if [ $r -eq 0 ]; then echo "=== smoke: $m PASS"; else echo "=== smoke: $m FAIL ($r)"; rc=1; fi
done
exit $rc
