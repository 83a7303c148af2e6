#!/bin/sh
# tests/vm/check-vm.sh - the real-kernel end-to-end test (tests/vm/README).
# Boots pc (edus under uio_pci_generic) and q35 + intel-iommu (edus under
# vfio-pci) once each; in each guest intx-guest.sh runs the real intxd from
# the build tree, in selective then broadcast mode, with real driver
# processes and edu-test.  Prints the figures and exits non-zero on any
# misdelivered, lost or late interrupt.
#
# Exit 77 (skip) when QEMU or a kernel is missing and cannot be installed,
# unless INTXVM_REQUIRE=1 (`make check-vm`, CI).  Environment:
#   INTXVM_BUILDDIR   the build tree (default: from $INTXD, or the cwd)
#   INTXVM_MACHINES   "pc q35-iommu" (default), or one of them
#   INTXVM_COUNT      round-robin interrupts per scenario (default 10000)
#   INTXVM_BCOUNT     the same in broadcast mode (default $INTXVM_COUNT)
#   INTXVM_LOGDIR     console logs (default: a temporary directory)
#   INTXVM_NO_SETUP=1 never install packages
#   SKIP_VM_TESTS=1   skip (exit 77) whatever else is set (the CI's sanitizer
#                     build: the guest would run the same code once more)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=check-vm
. "$HERE/prologue.sh"
vm_prologue contrib/intx-edu-driver tests/vm/edu-test tests/vm/fake-systemd

LOGDIR=${INTXVM_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/intxvm-check.XXXXXX")}
mkdir -p "$LOGDIR"
COUNT=${INTXVM_COUNT:-10000}
BCOUNT=${INTXVM_BCOUNT:-$COUNT}
rc=0
summary=
t0=$(date +%s.%N)
for m in ${INTXVM_MACHINES:-pc q35-iommu}; do
    case "$m" in
        pc) mode=uio ;;
        q35-iommu) mode=vfio ;;
        *) echo "check-vm: unknown machine $m"; exit 1 ;;
    esac
    echo "=== check-vm: $m ($mode), console log $LOGDIR/$m.log"
    s=$(date +%s.%N)
    "$HERE/run-guest.sh" --machine "$m" --edu-slots "4 8 12 5" --timeout 170 \
        --log "$LOGDIR/$m.log" "$HERE/intx-guest.sh" "$mode" "$BUILD" "$COUNT" "$BCOUNT" \
        | tee "$LOGDIR/$m.out"
    r=$(sed -n 's/^INTXVM-EXIT: //p' "$LOGDIR/$m.log" | tail -n 1)
    [ -n "$r" ] || r=125
    e=$(date +%s.%N)
    secs=$(echo "$s $e" | awk '{ printf "%.1f", $2 - $1 }')
    if [ "$r" = 0 ]; then verdict=PASS; else verdict="FAIL ($r)"; rc=1; fi
    if [ "$r" != 0 ] && [ "$r" -ge 124 ] 2>/dev/null; then
        echo "--- last console lines of $m"
        tail -n 30 "$LOGDIR/$m.log"
    fi
    summary="$summary
$m ($mode): $verdict, boot + test ${secs} s"
done
t1=$(date +%s.%N)
echo "=== check-vm summary (logs in $LOGDIR)"
grep -h '^RESULT' "$LOGDIR"/*.out 2>/dev/null | sed 's/^RESULT /  /'
echo "$summary" | sed '/^$/d'
echo "total $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s"
exit $rc
