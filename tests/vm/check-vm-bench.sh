#!/bin/sh
# tests/vm/check-vm-bench.sh - intxd priced against a direct driver on the
# real kernel (issue 11; tests/vm/README): one boot of q35 + intel-iommu, an
# edu under uio_pci_generic and one under vfio-pci, each driven by
# contrib/intx-edu-driver directly (--direct) and through intxd, repetitions
# interleaved; then the config-space accesses per interrupt under strace
# (bench-guest.sh is the guest side).  `make check-vm-bench`; not in `make
# check`: its figures are timings (TCG), only the access counts can fail it.
# Skips (77) like check-vm.sh.  Environment: INTXVM_BENCH_N (5000
# interrupts per run), INTXVM_BENCH_REPS (5), INTXVM_BENCH_STRACE_N (500),
# INTXVM_LOGDIR (console log, the strace traces in traces/).
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
echo "=== check-vm-bench: q35-iommu, $REPS x $N interrupts per path, console log $LOGDIR/bench.log"
"$HERE/run-guest.sh" --machine q35-iommu --edu-slots "4 5" --timeout 400 \
    --log "$LOGDIR/bench.log" --out "$LOGDIR/traces" "$HERE/bench-guest.sh" "$BUILD" "$N" "$REPS" "$SN" \
    > "$LOGDIR/bench.out"
r=$(sed -n 's/^INTXVM-EXIT: //p' "$LOGDIR/bench.log" | tail -n 1)
[ -n "$r" ] || r=125
grep -v '^TABLE' "$LOGDIR/bench.out"
echo "=== check-vm-bench: one in flight, TCG (emulated: not hardware figures)"
sed -n 's/^TABLE //p' "$LOGDIR/bench.out"
if [ "$r" = 0 ]; then echo "=== check-vm-bench: PASS (logs in $LOGDIR)"; exit 0; fi
echo "=== check-vm-bench: FAIL ($r)"
[ "$r" -ge 124 ] 2>/dev/null && tail -n 30 "$LOGDIR/bench.log"
exit 1
