#!/bin/sh
# tests/vm/check-vm-bench.sh - intxd priced against a direct driver on the
# real kernel (issue 11; tests/vm/README): one boot of q35 + intel-iommu, an
# edu under uio_pci_generic and one under vfio-pci, each driven by
# contrib/intx-edu-driver directly (--direct), through the zero-logic
# broker (--relay: a child process waits on the device, notifies the driver
# through an eventfd, waits for its ack on another, unmasks - the floor of
# any broker on the spec's data path) and through intxd, repetitions
# interleaved; the summary prices relay and intxd against direct, and
# intxd against relay; then the config-space accesses per interrupt under strace
# (bench-guest.sh is the guest side).  `make check-vm-bench`; not in `make
# check`: its figures are timings (TCG), only the access counts can fail it.
# Each path also with an asynchronous source (edu's factorial thread), and a
# second boot with 2 vCPUs (MTTCG): placement and spinning, and the relay
# in intxd's cross placement (bench-guest.sh).
# Skips (77) like check-vm.sh.  Environment: INTXVM_BENCH_N (5000
# interrupts per run), INTXVM_BENCH_REPS (5), INTXVM_BENCH_STRACE_N (500),
# INTXVM_BENCH_SPIN (1000 us), INTXVM_LOGDIR (console logs, the strace
# traces in traces-1/).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=check-vm-bench
. "$HERE/prologue.sh"
vm_prologue contrib/intx-edu-driver
command -v strace > /dev/null || skip "strace is missing (contrib/deps.sh --test)"
LOGDIR=${INTXVM_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/intxvm-bench.XXXXXX")}
mkdir -p "$LOGDIR"
N=${INTXVM_BENCH_N:-5000}
REPS=${INTXVM_BENCH_REPS:-5}
SN=${INTXVM_BENCH_STRACE_N:-500}
SPIN=${INTXVM_BENCH_SPIN:-1000}
# boot BOOT SMP MODE RUN-GUEST-OPTION...: one boot; its status in $rc
boot() {
    b=$1 smp=$2 mode=$3; shift 3
    echo "=== check-vm-bench: boot $b, q35-iommu, $smp vCPU(s), $REPS x $N interrupts per path, console log $LOGDIR/bench-$b.log"
    "$HERE/run-guest.sh" --machine q35-iommu --edu-slots "4 5" --timeout 600 --smp "$smp" "$@" \
        --log "$LOGDIR/bench-$b.log" --out "$LOGDIR/traces-$b" "$HERE/bench-guest.sh" "$BUILD" "$N" "$REPS" "$SN" "$mode" "$SPIN" \
        > "$LOGDIR/bench-$b.out"
    rc=$(sed -n 's/^INTXVM-EXIT: //p' "$LOGDIR/bench-$b.log" | tail -n 1)
    [ -n "$rc" ] || rc=125
    grep -v '^TABLE' "$LOGDIR/bench-$b.out"
}
# the 1-vCPU rows (self-raised and asynchronous), then a second boot: the
# machine type allows 2 vCPUs, but a vCPU cannot be added to a running
# guest here, and the first rows must stay comparable with earlier runs
boot 1 1 one
r1=$rc
boot 2 2 smp --mttcg
r2=$rc
echo "=== check-vm-bench: one in flight, TCG (emulated: not hardware figures)"
echo "=== boot 1: 1 vCPU; self = edu raises inside the driver's write, async = edu's factorial thread raises; relay = the zero-logic broker (its child in the intxd columns)"
sed -n 's/^TABLE //p' "$LOGDIR/bench-1.out"
echo "=== boot 2: 2 vCPUs (MTTCG), vfio; intxd (relay: its child) on CPU 0; same/other = the driver on CPU 0/1; spin = $SPIN us both sides"
sed -n 's/^TABLE //p' "$LOGDIR/bench-2.out"
if [ "$r1" = 0 ] && [ "$r2" = 0 ]; then echo "=== check-vm-bench: PASS (logs in $LOGDIR)"; exit 0; fi
echo "=== check-vm-bench: FAIL (boot 1: $r1, boot 2: $r2)"
for b in 1 2; do
    eval r=\$r$b
    [ "$r" -ge 124 ] 2>/dev/null && tail -n 30 "$LOGDIR/bench-$b.log"
done
exit 1
