#!/bin/sh
# tests/vm/run-guest.sh [options] SCRIPT [ARG...]
#
# Boots Debian's kernel under QEMU (TCG) with edu PCI devices and runs SCRIPT
# (a host path; /bin/sh SCRIPT inside a chroot of the host's root, shared
# read-only over 9p) with ARGs (no newlines; passed verbatim, host paths under
# /tmp are not translated). Exits with SCRIPT's exit status.
#
# Options:
#   --machine pc|q35-iommu   pc = i440fx (default); q35-iommu = q35 + intel-iommu
#                            with interrupt remapping (needed by vfio-pci)
#   --edu-slots "4 8 12 5"   PCI slots of the edu devices (default "4 8 12 5")
#   --timeout SEC            bound on the whole boot (default 120)
#   --mem SIZE               guest memory (default 512M)
#   --smp N                  guest CPUs (default 1)
#   --mttcg                  one host thread per guest CPU (-accel tcg,thread=multi)
#   --log FILE               full console to FILE; stdout gets only SCRIPT's output
#   --out DIR                writable share of host DIR at /run/out in the guest
#   --append "ARGS"          extra kernel command line
#   --build DIR              kernel/initramfs cache (default $INTXVM_BUILD or
#                            ${TMPDIR:-/tmp}/intxvm-build-$(id -u))
#   --qemu-arg ARG           one extra QEMU argument (repeatable)
#   --interactive            debugging: a shell in the guest chroot on the console
#                            (stdin is passed to the guest; SCRIPT is not run)
# Exit status: SCRIPT's status; 124 on timeout; 125 if the guest ended without
# the INTXVM-EXIT marker (panic, init failure); 126 for a harness error.
# In the guest, a SCRIPT or current directory under the host's /tmp is at
# /run/host-tmp (the guest's /tmp is a fresh tmpfs); $INTXVM=1 is set.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
MACHINE=pc
SLOTS="4 8 12 5"
TIMEOUT=120
MEM=512M
SMP=1
LOG=
OUTSHARE=
APPEND=
BUILD=${INTXVM_BUILD:-${TMPDIR:-/tmp}/intxvm-build-$(id -u)}
QEMU_EXTRA=
INTERACTIVE=
ACCEL=tcg

usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 126; }

while [ $# -gt 0 ]; do
    case "$1" in
        --machine)   MACHINE=$2; shift 2 ;;
        --edu-slots) SLOTS=$2; shift 2 ;;
        --timeout)   TIMEOUT=$2; shift 2 ;;
        --mem)       MEM=$2; shift 2 ;;
        --smp)       SMP=$2; shift 2 ;;
        --mttcg)     ACCEL=tcg,thread=multi; shift ;;
        --log)       LOG=$2; shift 2 ;;
        --out)       OUTSHARE=$2; shift 2 ;;
        --append)    APPEND=$2; shift 2 ;;
        --build)     BUILD=$2; shift 2 ;;
        --qemu-arg)  QEMU_EXTRA="$QEMU_EXTRA
$2"; shift 2 ;;
        --interactive) INTERACTIVE=1; shift ;;
        -h|--help)   usage ;;
        --)          shift; break ;;
        -*)          echo "run-guest: unknown option $1" >&2; usage ;;
        *)           break ;;
    esac
done
[ $# -ge 1 ] || usage
SCRIPT=$1
shift
ARGS64=
if [ $# -gt 0 ]; then
    ARGS64=$(printf '%s\n' "$@" | base64 -w0)
fi
case "$SCRIPT" in /*) ;; *) SCRIPT=$(pwd)/$SCRIPT ;; esac
[ -f "$SCRIPT" ] || { echo "run-guest: no such script: $SCRIPT" >&2; exit 126; }
case "$SCRIPT" in
    *[[:space:]]*) echo "run-guest: script path must not contain spaces" >&2; exit 126 ;;
esac
CWD=$(pwd)
case "$CWD" in *[[:space:]]*) CWD=/ ;; esac

QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || { echo "run-guest: $QEMU not found (run tests/vm/setup.sh)" >&2; exit 126; }

"$HERE/build-initramfs.sh" "$BUILD" >&2 || exit 126

# no_timer_check: under TCG on a busy host the kernel's check that the timer
# IRQ gets through the (interrupt-remapped) IO-APIC can time out, and it
# panics ("timer doesn't work through Interrupt-remapped IO-APIC")
CMDLINE="console=ttyS0 panic=-1 quiet loglevel=4 no_timer_check intxvm.script=$SCRIPT intxvm.cwd=$CWD"
[ -n "$ARGS64" ] && CMDLINE="$CMDLINE intxvm.args=$ARGS64"
case "$MACHINE" in
    pc)
        set -- -machine pc ;;
    q35-iommu)
        set -- -machine q35,kernel-irqchip=split -device intel-iommu,intremap=on
        CMDLINE="$CMDLINE intel_iommu=on" ;;
    q35)
        set -- -machine q35 ;;
    *) echo "run-guest: unknown machine $MACHINE" >&2; exit 126 ;;
esac
for s in $SLOTS; do
    # QEMU reads addr= as hex ("12" would be slot 0x12); slots here are decimal
    case "$s" in
        0x*|0X*) a=$s ;;
        *) a=$(printf '0x%x' "$s") ;;
    esac
    set -- "$@" -device "edu,addr=$a"
done
set -- "$@" \
    -fsdev local,id=hostfs,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostfs,mount_tag=hostroot,addr=0x11
if [ -n "$OUTSHARE" ]; then
    mkdir -p "$OUTSHARE"
    set -- "$@" \
        -fsdev "local,id=outfs,path=$(cd "$OUTSHARE" && pwd),security_model=none" \
        -device virtio-9p-pci,fsdev=outfs,mount_tag=intxvmout,addr=0x12
    CMDLINE="$CMDLINE intxvm.out"
fi
[ -n "$APPEND" ] && CMDLINE="$CMDLINE $APPEND"
if [ -n "$INTERACTIVE" ]; then
    exec timeout -k 5 "$TIMEOUT" "$QEMU" -accel "$ACCEL" -m "$MEM" -smp "$SMP" \
        -nodefaults -display none -no-reboot -serial stdio -monitor none \
        -kernel "$BUILD/vmlinux" -initrd "$BUILD/initramfs.cpio" \
        -append "$CMDLINE intxvm.sh" "$@"
fi
OLDIFS=$IFS; IFS='
'
for a in $QEMU_EXTRA; do set -- "$@" "$a"; done
IFS=$OLDIFS

CONSOLE=$(mktemp "${TMPDIR:-/tmp}/intxvm-console.XXXXXX")
trap 'rm -f "$CONSOLE"' EXIT INT TERM
if [ -n "$LOG" ]; then : > "$LOG"; fi

start=$(date +%s.%N)
set +e
# the console goes to $CONSOLE (and stdout or $LOG as it arrives)
timeout -k 5 "$TIMEOUT" "$QEMU" -accel "$ACCEL" -m "$MEM" -smp "$SMP" \
    -nodefaults -display none -no-reboot -serial stdio -monitor none \
    -kernel "$BUILD/vmlinux" -initrd "$BUILD/initramfs.cpio" \
    -append "$CMDLINE" "$@" </dev/null 2>&1 \
  | tr -d '\r' | tee "$CONSOLE" | {
        if [ -n "$LOG" ]; then
            # full console to the log; only the script's part to stdout
            tee -a "$LOG" | sed -n '/^INTXVM-BEGIN/,/^INTXVM-EXIT:/{/^INTXVM-BEGIN/d;/^INTXVM-EXIT:/d;p}'
        else
            cat
        fi
    }
set -e
end=$(date +%s.%N)
elapsed=$(echo "$start $end" | awk '{printf "%.1f", $2 - $1}')

rc=$(sed -n 's/^INTXVM-EXIT: \([0-9]*\)$/\1/p' "$CONSOLE" | tail -n 1)
if [ -n "$rc" ]; then
    echo "run-guest: $MACHINE: script exit status $rc after ${elapsed} s" >&2
    exit "$rc"
fi
if grep -q 'Kernel panic' "$CONSOLE"; then
    echo "run-guest: $MACHINE: guest kernel panic after ${elapsed} s" >&2
    grep -A3 'Kernel panic' "$CONSOLE" >&2
    exit 125
fi
if awk -v e="$elapsed" -v t="$TIMEOUT" 'BEGIN { exit !(e + 0.5 >= t) }'; then
    echo "run-guest: $MACHINE: timed out after ${TIMEOUT} s" >&2
    [ -n "$LOG" ] && tail -n 20 "$LOG" >&2
    exit 124
fi
echo "run-guest: $MACHINE: guest ended without an INTXVM-EXIT marker after ${elapsed} s" >&2
[ -n "$LOG" ] && tail -n 20 "$LOG" >&2
exit 125
