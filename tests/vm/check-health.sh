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
skip() {
    echo "check-health: $*"
    if [ -n "${INTXVM_REQUIRE:-}" ]; then echo "check-health: FAIL (INTXVM_REQUIRE is set)"; exit 1; fi
    echo "check-health: SKIP"
    exit 77
}
# SKIP_VM_TESTS wins over INTXVM_REQUIRE, as in check-vm.sh (the CI's
# sanitizer and distcheck stages, after the VM tests ran once)
if [ -n "${SKIP_VM_TESTS:-}" ]; then
    echo "check-health: SKIP (SKIP_VM_TESTS is set)"
    exit 77
fi
BUILD=${INTXVM_BUILDDIR:-}
if [ -z "$BUILD" ] && [ -n "${INTXD:-}" ]; then BUILD=${INTXD%/src/intxd/intxd}; fi
[ -n "$BUILD" ] || BUILD=$(pwd)
BUILD=$(cd "$BUILD" && pwd)
for p in src/intxd/intxd src/intxctl/intxctl tests/vm/health-test; do
    [ -x "$BUILD/$p" ] || { echo "check-health: $BUILD/$p is not built"; exit 1; }
done
case "$BUILD" in *[[:space:]]*) skip "the build path has white space" ;; esac
if ! command -v qemu-system-x86_64 >/dev/null 2>&1 || ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
    if [ -z "${INTXVM_NO_SETUP:-}" ] && { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }; then
        "$HERE/setup.sh" || skip "installing QEMU and a kernel failed"
    else
        skip "QEMU or a kernel is missing"
    fi
fi
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
