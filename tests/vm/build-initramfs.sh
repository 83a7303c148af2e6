#!/bin/sh
# tests/vm/build-initramfs.sh OUTDIR
#
# Produces, for the newest kernel in /boot (or $KVER if set):
#   OUTDIR/vmlinux          ELF kernel extracted from /boot/vmlinuz-$KVER (for PVH boot)
#   OUTDIR/initramfs.cpio.gz  busybox-static + tests/vm/init + the modules we need
#   OUTDIR/kver             the kernel version the two files belong to
# Cached: nothing is rebuilt while OUTDIR/.stamp is newer than the kernel, its
# modules.dep, tests/vm/init and this script.
set -eu
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: build-initramfs.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ -z "${KVER:-}" ]; then
    KVER=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1)
fi
[ -n "$KVER" ] || { echo "build-initramfs: no /boot/vmlinuz-* (run tests/vm/setup.sh)" >&2; exit 1; }
VMLINUZ=/boot/vmlinuz-$KVER
MODDIR=/lib/modules/$KVER
[ -r "$VMLINUZ" ] || { echo "build-initramfs: cannot read $VMLINUZ" >&2; exit 1; }
[ -r "$MODDIR/modules.dep" ] || { echo "build-initramfs: no $MODDIR/modules.dep" >&2; exit 1; }

BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || BUSYBOX=/usr/bin/busybox
if readelf -l "$BUSYBOX" 2>/dev/null | grep -q INTERP; then
    echo "build-initramfs: $BUSYBOX is dynamically linked; install busybox-static" >&2
    exit 1
fi

# parallel run-guest.sh calls share OUTDIR: one builds, the others wait
if command -v flock >/dev/null; then
    exec 9>"$OUT/.lock"
    flock 9
fi

STAMP=$OUT/.stamp
if [ -f "$STAMP" ] && [ -f "$OUT/vmlinux" ] && [ -f "$OUT/initramfs.cpio.gz" ] \
   && [ "$(cat "$OUT/kver" 2>/dev/null)" = "$KVER" ] \
   && [ "$STAMP" -nt "$VMLINUZ" ] && [ "$STAMP" -nt "$MODDIR/modules.dep" ] \
   && [ "$STAMP" -nt "$HERE/init" ] && [ "$STAMP" -nt "$HERE/build-initramfs.sh" ] \
   && [ "$STAMP" -nt "$BUSYBOX" ]; then
    echo "build-initramfs: $OUT is up to date for $KVER"
    exit 0
fi
rm -f "$STAMP"

# ---- 1. vmlinux: find the xz stream inside the bzImage and decompress it ----
echo "build-initramfs: extracting ELF vmlinux from $VMLINUZ"
found=
for off in $(grep -obUaP '\xfd7zXZ\x00' "$VMLINUZ" | cut -d: -f1); do
    tail -c +"$((off + 1))" "$VMLINUZ" | xz -dc --single-stream > "$OUT/vmlinux.tmp" 2>/dev/null || true
    if [ "$(head -c 4 "$OUT/vmlinux.tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
        found=$off
        break
    fi
done
if [ -z "$found" ]; then
    rm -f "$OUT/vmlinux.tmp"
    echo "build-initramfs: no xz-compressed ELF found in $VMLINUZ" >&2
    exit 1
fi
# PVH boot needs the XEN_ELFNOTE_PHYS32_ENTRY note
if ! readelf -n "$OUT/vmlinux.tmp" 2>/dev/null | grep -q 'Xen'; then
    echo "build-initramfs: warning: vmlinux has no Xen/PVH ELF note; PVH boot may fail" >&2
fi
mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
echo "build-initramfs: vmlinux at stream offset $found, $(wc -c < "$OUT/vmlinux") bytes"

# ---- 2. module closure, in load order (dependencies first) ----
WANT="virtio_pci 9p 9pnet 9pnet_virtio uio uio_pci_generic vfio vfio_iommu_type1 vfio-pci vfio_pci_core irqbypass"

# path of a module name, relative to $MODDIR, from modules.dep ("-" and "_" are equal)
modpath() {
    n=$(echo "$1" | tr - _)
    awk -F: -v n="$n" '{
        p = $1; b = p; sub(/.*\//, "", b); sub(/\.ko(\.(xz|zst|gz))?$/, "", b); gsub(/-/, "_", b)
        if (b == n) { print p; exit }
    }' "$MODDIR/modules.dep"
}
# dependencies of a module path, from modules.dep
moddeps() {
    awk -F: -v p="$1" '$1 == p { sub(/^ */, "", $2); print $2; exit }' "$MODDIR/modules.dep"
}

ORDER=$OUT/.order.tmp
: > "$ORDER"
visit() {   # depth-first, emits dependencies before dependents
    grep -qxF "$1" "$ORDER" && return 0
    for d in $(moddeps "$1"); do visit "$d"; done
    grep -qxF "$1" "$ORDER" || echo "$1" >> "$ORDER"
}
for m in $WANT; do
    p=$(modpath "$m")
    if [ -z "$p" ]; then
        if grep -qE "/$(echo "$m" | tr - _)\.ko|/$(echo "$m" | tr _ -)\.ko" "$MODDIR/modules.builtin" 2>/dev/null; then
            echo "build-initramfs: $m is built in"
            continue
        fi
        echo "build-initramfs: module $m not found for $KVER" >&2
        exit 1
    fi
    visit "$p"
done

# ---- 3. the initramfs tree ----
ROOT=$OUT/.root
rm -rf "$ROOT"
mkdir -p "$ROOT/bin" "$ROOT/sbin" "$ROOT/dev" "$ROOT/proc" "$ROOT/sys" "$ROOT/host" \
         "$ROOT/lib/modules/$KVER" "$ROOT/tmp"
cp "$BUSYBOX" "$ROOT/bin/busybox"
for a in $("$BUSYBOX" --list); do
    [ "$a" = busybox ] || ln -s busybox "$ROOT/bin/$a"
done
cp "$HERE/init" "$ROOT/init"
chmod 755 "$ROOT/init"

: > "$ROOT/lib/modules/$KVER/load-order"
while read -r p; do
    base=$(basename "$p")
    case "$base" in
        *.ko.xz)  xz -dc "$MODDIR/$p" > "$ROOT/lib/modules/$KVER/${base%.xz}";  base=${base%.xz} ;;
        *.ko.zst) zstd -qdc "$MODDIR/$p" > "$ROOT/lib/modules/$KVER/${base%.zst}"; base=${base%.zst} ;;
        *.ko.gz)  gzip -dc "$MODDIR/$p" > "$ROOT/lib/modules/$KVER/${base%.gz}"; base=${base%.gz} ;;
        *)        cp "$MODDIR/$p" "$ROOT/lib/modules/$KVER/$base" ;;
    esac
    echo "$base" >> "$ROOT/lib/modules/$KVER/load-order"
done < "$ORDER"
rm -f "$ORDER"
echo "build-initramfs: modules: $(tr '\n' ' ' < "$ROOT/lib/modules/$KVER/load-order")"

(cd "$ROOT" && find . -print0 | sort -z | cpio --null -o -H newc --quiet -R 0:0) > "$OUT/initramfs.cpio.tmp"
gzip -1 -c "$OUT/initramfs.cpio.tmp" > "$OUT/initramfs.cpio.gz"
mv "$OUT/initramfs.cpio.tmp" "$OUT/initramfs.cpio"
rm -rf "$ROOT"
echo "$KVER" > "$OUT/kver"
touch "$STAMP"
echo "build-initramfs: $OUT/initramfs.cpio.gz ($(wc -c < "$OUT/initramfs.cpio.gz") bytes) for $KVER"
