#!/bin/sh
# tests/vm/check-e1000.sh - a real driver on the real kernel (issue 12;
# tests/vm/README): one boot of q35 + intel-iommu with two e1000s on a QEMU
# hub, one under contrib/intx-e1000-rx (vfio, DMA) sharing its INTx line
# with edus whose owners interrupt at the same time, the other sending
# (e1000-guest.sh is the guest side).  Skips (77) like check-vm.sh.
# INTXVM_E1000_FRAMES: frames per phase (300).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=check-e1000
. "$HERE/prologue.sh"
vm_prologue contrib/intx-e1000-rx contrib/intx-edu-driver tests/vm/e1000-send tests/vm/edu-raise
KVER=$(ls /boot/vmlinuz-* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1)
find "/lib/modules/$KVER" -name 'e1000.ko*' | grep -q . \
    || skip "the guest kernel $KVER has no e1000 module"
LOGDIR=${INTXVM_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/intxvm-e1000.XXXXXX")}
mkdir -p "$LOGDIR"
N=${INTXVM_E1000_FRAMES:-300}
echo "=== check-e1000: q35-iommu, console log $LOGDIR/e1000.log"
"$HERE/run-guest.sh" --machine q35-iommu --edu-slots "4 8 16" --timeout 170 \
    --qemu-arg -netdev --qemu-arg hubport,id=rx,hubid=0 \
    --qemu-arg -device --qemu-arg e1000,netdev=rx,addr=0xc,romfile= \
    --qemu-arg -netdev --qemu-arg hubport,id=tx,hubid=0 \
    --qemu-arg -device --qemu-arg e1000,netdev=tx,addr=0x6,romfile= \
    --log "$LOGDIR/e1000.log" "$HERE/e1000-guest.sh" "$BUILD" "$N" \
    | tee "$LOGDIR/e1000.out"
r=$(sed -n 's/^INTXVM-EXIT: //p' "$LOGDIR/e1000.log" | tail -n 1)
[ -n "$r" ] || r=125
echo "=== check-e1000 summary (logs in $LOGDIR)"
grep -h '^RESULT' "$LOGDIR/e1000.out" | sed 's/^RESULT /  /'
if [ "$r" = 0 ]; then echo "=== check-e1000: PASS"; exit 0; fi
echo "=== check-e1000: FAIL ($r)"
[ "$r" -ge 124 ] 2>/dev/null && tail -n 30 "$LOGDIR/e1000.log"
exit 1
