#!/bin/sh
# tests/vm/smoke-guest.sh uio|vfio - runs INSIDE the guest (via run-guest.sh).
# Lists the PCI devices, binds the edus to uio_pci_generic or vfio-pci, and
# asserts that the edus in slots 4, 8, 12 share one IRQ and slot 5 has another.
set -u
MODE=${1:?usage: smoke-guest.sh uio|vfio}
EDU="1234 11e8"
fail=0

# shell builtins only where possible: every exec costs ~30 ms under TCG + 9p
rd() { v=; read -r v 2>/dev/null < "$1"; echo "$v"; }
pci_list() {
    for d in /sys/bus/pci/devices/*; do
        drv=-
        if [ -e "$d/driver" ]; then drv=$(readlink "$d/driver"); drv=${drv##*/}; fi
        ven=$(rd "$d/vendor") dev=$(rd "$d/device")
        echo "${d##*/} ${ven#0x}:${dev#0x} irq=$(rd "$d/irq") driver=$drv"
    done
}
edus() {
    for d in /sys/bus/pci/devices/*; do
        [ "$(rd "$d/vendor") $(rd "$d/device")" = "0x1234 0x11e8" ] && echo "${d##*/}"
    done
}
irq_of_slot() { rd "/sys/bus/pci/devices/0000:00:$(printf %02x "$1").0/irq"; }

echo "== kernel $(uname -r), cmdline: $(cat /proc/cmdline)"
echo "== PCI devices before binding"
pci_list

case "$MODE" in
    uio)
        modprobe uio_pci_generic 2>/dev/null
        echo "$EDU" > /sys/bus/pci/drivers/uio_pci_generic/new_id || fail=1
        ;;
    vfio)
        modprobe vfio-pci 2>/dev/null
        echo "== IOMMU groups"
        for g in /sys/kernel/iommu_groups/*; do
            echo "group ${g##*/}: $(ls "$g/devices" | tr '\n' ' ')"
        done
        echo "$EDU" > /sys/bus/pci/drivers/vfio-pci/new_id || fail=1
        ;;
    *) echo "unknown mode $MODE"; exit 2 ;;
esac
sleep 0.2

echo "== PCI devices after binding"
pci_list
echo "== /dev/uio* /dev/vfio/*"
ls -l /dev/uio* /dev/vfio/* 2>&1

for b in $(edus); do
    drv=$(readlink "/sys/bus/pci/devices/$b/driver" 2>/dev/null); drv=${drv##*/}
    want=uio_pci_generic; [ "$MODE" = vfio ] && want=vfio-pci
    if [ "$drv" != "$want" ]; then
        echo "FAIL: $b bound to '${drv:-nothing}', expected $want"
        fail=1
    fi
done

if [ "$MODE" = vfio ]; then
    # vfio-pci enables the device (and routes its INTx) only when the device fd
    # is opened; hold all edu fds open while we read the irq attributes.
    if command -v python3 >/dev/null; then
        python3 - $(edus) <<'PY'
import fcntl, os, struct, sys
VFIO_GET_API_VERSION, VFIO_SET_IOMMU = 0x3b64, 0x3b66
VFIO_GROUP_SET_CONTAINER, VFIO_GROUP_GET_DEVICE_FD = 0x3b68, 0x3b6a
VFIO_DEVICE_SET_IRQS = 0x3b6e
# vfio_irq_set: argsz flags index start count, then one eventfd;
# DATA_EVENTFD | ACTION_TRIGGER on VFIO_PCI_INTX_IRQ_INDEX (0)
def set_intx_eventfd(dev, efd):
    fcntl.ioctl(dev, VFIO_DEVICE_SET_IRQS, struct.pack("5Ii", 24, 0x24, 0, 0, 1, efd))
c = os.open("/dev/vfio/vfio", os.O_RDWR)
print("vfio api version", fcntl.ioctl(c, VFIO_GET_API_VERSION))
fds, iommu_set = [], False
for bdf in sys.argv[1:]:
    grp = os.path.basename(os.readlink("/sys/bus/pci/devices/%s/iommu_group" % bdf))
    g = os.open("/dev/vfio/" + grp, os.O_RDWR)
    fcntl.ioctl(g, VFIO_GROUP_SET_CONTAINER, struct.pack("i", c))
    if not iommu_set:
        fcntl.ioctl(c, VFIO_SET_IOMMU, 1)   # VFIO_TYPE1_IOMMU
        iommu_set = True
    d = fcntl.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, bytearray(bdf.encode() + b"\0"))
    fds += [g, d]
    print("opened %s (group %s), irq now %s" % (bdf, grp,
          open("/sys/bus/pci/devices/%s/irq" % bdf).read().strip()))
for i in range(1, len(fds), 2):
    e = os.eventfd(0)
    set_intx_eventfd(fds[i], e)
    fds.append(e)
with open("/tmp/vfio-interrupts", "w") as f:
    f.write(open("/proc/interrupts").read())
with open("/tmp/vfio-irqs", "w") as f:
    for bdf in sys.argv[1:]:
        f.write("%s %s\n" % (bdf, open("/sys/bus/pci/devices/%s/irq" % bdf).read().strip()))
PY
        [ $? -eq 0 ] || { echo "FAIL: opening the vfio devices"; fail=1; }
        echo "== irq read while the vfio device fds were open"
        cat /tmp/vfio-irqs 2>/dev/null
        irq() { awk -v b="0000:00:$(printf %02x "$1").0" '$1 == b { print $2 }' /tmp/vfio-irqs; }
    else
        echo "python3 missing: cannot open the vfio device fds; irq assertion skipped"
        irq() { echo skip; }
    fi
else
    irq() { irq_of_slot "$1"; }
fi

i4=$(irq 4) i8=$(irq 8) i12=$(irq 12) i5=$(irq 5)
echo "== irq: slot4=$i4 slot8=$i8 slot12=$i12 slot5=$i5"
if [ "$i4" != skip ]; then
    if [ -n "$i4" ] && [ "$i4" != 0 ] && [ "$i4" = "$i8" ] && [ "$i4" = "$i12" ] \
       && [ -n "$i5" ] && [ "$i5" != 0 ] && [ "$i5" != "$i4" ]; then
        echo "OK: slots 4, 8, 12 share irq $i4; slot 5 is on irq $i5"
    else
        echo "FAIL: expected slots 4, 8, 12 on one irq and slot 5 on another"
        fail=1
    fi
fi

INTR=/proc/interrupts HANDLER=uio_pci_generic
if [ "$MODE" = vfio ]; then
    INTR=/tmp/vfio-interrupts HANDLER=vfio-intx
    echo "== /proc/interrupts (PCI lines) while vfio INTx eventfds were set"
else
    echo "== /proc/interrupts (PCI lines)"
fi
sed -n '1p;/fasteoi/p' "$INTR" 2>/dev/null
if [ "$i4" != skip ]; then
    line=$(grep "^ *$i4:" "$INTR" 2>/dev/null)
    n=$(echo "$line" | grep -o "$HANDLER" | wc -l)
    if [ "$n" -ge 3 ]; then
        echo "OK: /proc/interrupts shows $n $HANDLER handlers on irq $i4"
    else
        echo "FAIL: /proc/interrupts line for irq $i4 has $n $HANDLER handlers: $line"
        fail=1
    fi
fi
exit $fail
