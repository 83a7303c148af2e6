#!/bin/sh
# tests/vm/bench-guest.sh BUILDDIR [N [REPS [SN [MODE [SPIN]]]]] - runs INSIDE
# the guest (q35 + intel-iommu, through check-vm-bench.sh), issue 11: intxd
# priced against a direct driver on the real kernel.  Edu 4 under
# uio_pci_generic, edu 5 (another line) under vfio-pci; REPS repetitions,
# interleaved, each N interrupts, one in flight (the driver raises, waits for
# its handler, raises again).
# MODE one (a 1-vCPU guest, the default):
#   direct-uio   contrib/intx-edu-driver --direct uio (/dev/uioN, Command
#                bit 10 through sysfs config), no broker
#   direct-vfio  the same on the VFIO INTx eventfd (VFIO_DEVICE_SET_IRQS)
#   relay-uio, relay-vfio  --relay: the zero-logic broker (a relay child
#                waits on the device, notifies the driver through an eventfd,
#                waits for its ack on another, unmasks): the floor any broker
#                on the spec's data path pays; priced against direct-K
#   intxd-uio, intxd-vfio  the same driver through intxd and libintx
#   ...-async    the same six with --source fact: edu raises from its own
#                thread when a factorial is done, not inside the driver's
#                MMIO write, so the direct driver sleeps too
# then, under strace, SN interrupts of the first four: the config-space
# accesses (pread64/pwrite64 on sysfs config or the VFIO device fd) per
# interrupt of the driver (direct) and of intxd.
# MODE smp (a 2-vCPU guest, MTTCG): vfio only, intxd on CPU 0 (cpu = 0), the
# driver placed with taskset on CPU 0 (same) or 1 (other), and spin mode
# (spin-us = SPIN in intxd, --spin SPIN in the driver; default 1000 us);
# 2cpu-relay-vfio-async-other: the relay's floor in intxd's -other placement
# (its child on CPU 0 through --relay-cpu, the driver on CPU 1).
# The "driver + intxd" columns of a relay row are the driver + its relay
# child.  The summary prices each row against its direct row, and each
# intxd row against the relay row of the same backend and source ("intxd /
# relay": how far intxd is from the floor).
# Prints "RESULT bench ..." lines and "TABLE" lines; exit 0 only if every
# run completed, and (MODE one) intxd made no more config accesses per
# interrupt than the direct driver needs plus the one uio keeps
# (backend-uio.c).
set -u
B=${1:?usage: bench-guest.sh BUILDDIR [N [REPS [SN [MODE [SPIN]]]]]}
N=${2:-5000}
REPS=${3:-5}
SN=${4:-500}
MODE=${5:-one}
SPIN=${6:-1000}
. "$(dirname "$0")/guest-prologue.sh"
EDU=$B/contrib/intx-edu-driver
need "$EDU"
command -v strace > /dev/null || { echo "FAIL: no strace (contrib/deps.sh --test)"; exit 1; }
U=0000:00:04.0 V=0000:00:05.0
WARMUP=100   # intx-edu-driver --bench's uncounted first interrupts
: > /tmp/results
res() { echo "RESULT $*"; echo "$*" >> /tmp/results; }

bind uio_pci_generic $U
bind vfio-pci $V
[ $rc -eq 0 ] || exit $rc

# conf [LINE...]: intxd's config, LINEs added to [intxd]
conf() {
cat > /tmp/intxd.conf <<EOC
[intxd]
socket = $SOCK
ack-timeout-ms = 20000
$(printf '%s\n' "$@")

[device eu]
pci = $U
backend = uio
line = auto

[device ev]
pci = $V
backend = vfio
line = auto

[client cu]
uid = 0
devices = eu

[client cv]
uid = 0
devices = ev
EOC
}
conf

intxd_start() {
    rm -f $SOCK
    "$INTXD" -c /tmp/intxd.conf 2>> /tmp/intxd.log &
    dpid=$!
    i=0; while [ ! -S $SOCK ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -S $SOCK ] || { cat /tmp/intxd.log; failed "intxd did not start"; exit 1; }
}
intxd_stop() { kill -TERM $dpid; wait $dpid || failed "intxd exited $?"; dpid=; }
# intxd's context switches so far (0 when it is not running)
dcsw() {
    if [ -n "${dpid:-}" ] && [ -r /proc/$dpid/status ]; then
        awk '/ctxt_switches/ { n += $2 } END { print n + 0 }' /proc/$dpid/status
    else
        echo 0
    fi
}
# intxd's CPU time so far, ns (/proc/PID/schedstat: time on a CPU)
dcpu() {
    if [ -n "${dpid:-}" ] && [ -r /proc/$dpid/schedstat ]; then
        cut -d' ' -f1 /proc/$dpid/schedstat
    else
        echo 0
    fi
}
# how the driver reaches edu K (uio|vfio): directly or through intxd
direct() { if [ "$1" = uio ]; then echo "--direct uio $U"; else echo "--direct vfio $V"; fi; }
relay() { if [ "$1" = uio ]; then echo "--relay uio $U"; else echo "--relay vfio $V"; fi; }
broker() { if [ "$1" = uio ]; then echo "--socket $SOCK --client cu eu=$U"; else echo "--socket $SOCK --client cv ev=$V"; fi; }

# run PATH REP VS CPU ARG...: one run of N interrupts of the driver with
# ARGs, on CPU (taskset; - for anywhere); VS: the direct path this one is
# priced against (- for none); "RESULT bench ..." from its line.  intxd's
# figures are over the warm-up and the session's setup too; a driver that
# prints its own daemon-csw/cpu (--relay: its child's) keeps them.
ROWS=
run() {
    p=$1 r=$2 vs=$3 cpu=$4; shift 4
    case " $ROWS " in *" $p "*) ;; *) ROWS="$ROWS $p" ;; esac
    if [ "$cpu" != - ]; then set -- taskset -c "$cpu" "$EDU" "$@"; else set -- "$EDU" "$@"; fi
    c0=$(dcsw) t0=$(dcpu)
    if out=$("$@" --quiet --bench "$N" 2>&1); then
        c1=$(dcsw) t1=$(dcpu)
        line=$(echo "$out" | sed -n 's/^bench //p')
        case "$line" in
        *daemon-csw=*) res "bench rep=$r path=$p vs=$vs $line" ;;
        *) res "bench rep=$r path=$p vs=$vs $line $(awk -v a="$c0" -v b="$c1" -v x="$t0" -v y="$t1" -v n="$((N + WARMUP))" \
            'BEGIN { printf "daemon-csw=%.2f daemon-cpu=%.1f", (b - a) / n, (y - x) / 1e3 / n }')" ;;
        esac
    else
        failed "$p rep $r: $out"
    fi
}

echo "== $MODE: $(nproc) CPU(s), $REPS repetitions of $N interrupts each, interleaved"
r=1
while [ "$MODE" = one ] && [ $r -le "$REPS" ]; do
    for s in self fact; do
        a=; [ $s = fact ] && a=-async
        for k in uio vfio; do run direct-$k$a $r - - $(direct $k) --source $s; done
    done
    for s in self fact; do
        a=; [ $s = fact ] && a=-async
        for k in uio vfio; do run relay-$k$a $r direct-$k$a - $(relay $k) --source $s; done
    done
    intxd_start
    for s in self fact; do
        a=; [ $s = fact ] && a=-async
        for k in uio vfio; do run intxd-$k$a $r direct-$k$a - $(broker $k) --source $s; done
    done
    intxd_stop
    r=$((r + 1))
done
while [ "$MODE" = smp ] && [ $r -le "$REPS" ]; do
    # the direct driver on CPU 0 (it has no daemon to share it with)
    for s in self fact; do
        a=; [ $s = fact ] && a=-async
        run 2cpu-direct-vfio$a $r - 0 $(direct vfio) --source $s
        run 2cpu-direct-vfio$a-spin $r - 0 $(direct vfio) --source $s --spin "$SPIN"
    done
    # the relay child where intxd runs (CPU 0), the driver on CPU 1
    run 2cpu-relay-vfio-async-other $r 2cpu-direct-vfio-async 1 $(relay vfio) --relay-cpu 0 --source fact
    conf "cpu = 0"
    intxd_start
    for s in self fact; do
        a=; [ $s = fact ] && a=-async
        run 2cpu-intxd-vfio$a-same $r 2cpu-direct-vfio$a 0 $(broker vfio) --source $s
        run 2cpu-intxd-vfio$a-other $r 2cpu-direct-vfio$a 1 $(broker vfio) --source $s
    done
    intxd_stop
    conf "cpu = 0" "spin-us = $SPIN"
    intxd_start
    for s in self fact; do
        a=; [ $s = fact ] && a=-async
        run 2cpu-intxd-vfio$a-spin-other $r 2cpu-direct-vfio$a-spin 1 $(broker vfio) --source $s --spin "$SPIN"
    done
    intxd_stop
    r=$((r + 1))
done
if [ "$MODE" = smp ]; then
    irq=$(cat /sys/bus/pci/devices/$V/irq)
    echo "== vfio edu: IRQ $irq, delivered to CPU(s) $(cat /proc/irq/$irq/effective_affinity_list 2>/dev/null || echo '?'); interrupts per CPU: $(grep "^ *$irq:" /proc/interrupts | tr -s ' ')"
fi

# config accesses: pread64/pwrite64 on a config fd (strace -y names it);
# system calls: every line but strace's own (signals, exits, detaching),
# and but intxd's line-health watch, which runs on a timer, not per
# interrupt (its /proc reads and the epoll_wait that timed out for it)
count() { grep -cE '^[0-9 ]*p(read|write)64\([0-9]+<(/sys/devices/.*/config|anon_inode:\[vfio-device\])>' "$1"; }
calls() { grep -vE '^[0-9 ]*(\+\+\+|---|<\.\.\.)|/proc/|^[0-9 ]*epoll_wait\(.*\) = 0$' "$1" | grep -c .; }
per() { awk -v c="$1" -v n="$((WARMUP + SN))" 'BEGIN { printf "%.2f", c / n }'; }
# access PATH DRIVER-TRACE [DAEMON-TRACE]: per interrupt, of WARMUP + SN
access() {
    c=$(count "$2") dc=0 ds=0
    if [ -n "${3:-}" ]; then dc=$(count "$3") ds=$(calls "$3"); fi
    res "access path=$1 interrupts=$((WARMUP + SN)) config=$((c + dc)) per-irq=$(per $((c + dc))) driver-syscalls=$(per "$(calls "$2")") daemon-syscalls=$(per "$ds")"
}
[ "$MODE" = one ] && echo "== config accesses and system calls, $SN interrupts of each under strace"
for k in uio vfio; do
    [ "$MODE" = one ] || break
    if [ $k = uio ]; then b=$U; else b=$V; fi
    strace -f -y -o /tmp/st.direct-$k "$EDU" --quiet --bench "$SN" --direct $k $b \
        > /tmp/st.direct-$k.out 2>&1 || failed "direct-$k under strace: $(cat /tmp/st.direct-$k.out)"
    # the driver's setup is not per interrupt: from its first raise on
    sed -i '1,/write(1[<,].*"ready/d' /tmp/st.direct-$k
    access direct-$k /tmp/st.direct-$k
done
[ "$MODE" = one ] && intxd_start
for k in uio vfio; do
    [ "$MODE" = one ] || break
    if [ $k = uio ]; then dev=eu=$U cl=cu; else dev=ev=$V cl=cv; fi
    strace -y -o /tmp/st.intxd-$k -p $dpid 2> /tmp/st.err-$k &
    spid=$!
    i=0; while ! grep -q attached /tmp/st.err-$k && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    strace -f -y -o /tmp/st.drv-$k "$EDU" --quiet --bench "$SN" --socket $SOCK --client $cl $dev \
        > /tmp/st.intxd-$k.out 2>&1 || failed "intxd-$k under strace: $(cat /tmp/st.intxd-$k.out)"
    # its last ACK came before its session ended, on the same socket:
    # once intxd has seen the end, the last unmask is in the trace
    i=0; while ! "$INTXCTL" --socket $SOCK --json clients | grep -q "\"$cl\"[^}]*\"sessions\":0" \
        && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -INT $spid; wait $spid
    sed -i '1,/write(1[<,].*"ready/d' /tmp/st.drv-$k
    # intxd: from the driver's subscription to its end (its first and
    # last lines on that socket are the session's setup and teardown)
    access intxd-$k /tmp/st.drv-$k /tmp/st.intxd-$k
done
[ "$MODE" = one ] && intxd_stop
# the traces, for a look at what each side does per interrupt
[ -n "${INTXVM_OUT:-}" ] && cp /tmp/st.* /tmp/intxd.log "$INTXVM_OUT/" 2>/dev/null
grep -iE "error|fail" /tmp/intxd.log | head -n 10

python3 - /tmp/results "$MODE" $ROWS <<'PY' || failed "the summary (see above)"
import re, statistics, sys
runs, acc, sysc, vs = {}, {}, {}, {}
mode, rows = sys.argv[2], sys.argv[3:]
for l in open(sys.argv[1]):
    kv = dict(re.findall(r"([\w-]+)=([\w.\-/]+)", l))
    if l.startswith("bench") and "rate" in kv:
        runs.setdefault(kv["path"], []).append(
            (float(kv["rate"].rstrip("/s")), float(kv["p50"].rstrip("us")), float(kv["p99"].rstrip("us")),
             float(kv.get("csw", "nan")), float(kv.get("daemon-csw", "0")),
             float(kv.get("cpu", "nan")), float(kv.get("daemon-cpu", "0"))))
        vs[kv["path"]] = kv.get("vs", "-")
    elif l.startswith("access"):
        acc[kv["path"]] = float(kv["per-irq"])
        sysc[kv["path"]] = "%s + %s" % (kv["driver-syscalls"], kv["daemon-syscalls"])
# each direct row, then the rows priced against it
rows = [q for p in rows if vs.get(p, "-") == "-" for q in [p] + [q for q in rows if vs.get(q) == p]] + \
    [p for p in rows if vs.get(p, "-") not in rows and vs.get(p, "-") != "-"]
def med(xs): return statistics.median(xs)
def cell(xs, fmt): return (fmt + " (" + fmt + "-" + fmt + ")") % (med(xs), min(xs), max(xs))
print("TABLE | path | interrupts/s, median (min-max) | raise -> handler p50, us | p99, us | config accesses per interrupt | system calls per interrupt, driver + intxd | context switches per interrupt, driver + intxd | CPU per interrupt, driver + intxd, us |")
print("TABLE |---|---|---|---|---|---|---|---|")
for p in rows:
    r = runs.get(p, [])
    if not r:
        print("TABLE | %s | no run completed | | | | | | |" % p); continue
    print("TABLE | %s | %s | %s | %s | %s | %s | %.2f + %.2f | %.1f + %.1f |" % (p, cell([x[0] for x in r], "%.0f"),
          cell([x[1] for x in r], "%.1f"), cell([x[2] for x in r], "%.1f"),
          "%.2f" % acc[p] if p in acc else "-", sysc.get(p, "-"),
          med([x[3] for x in r]), med([x[4] for x in r]), med([x[5] for x in r]), med([x[6] for x in r])))
ok = True
for p in rows:
    d, i = runs.get(vs.get(p, "-"), []), runs.get(p, [])
    if d and i:
        per = [b[0] / a[0] for a, b in zip(d, i)]
        print("TABLE ratio %s / %s: rate %.2fx (per repetition %.2f-%.2f; target >= 0.8x)"
              % (p, vs[p], med([x[0] for x in i]) / med([x[0] for x in d]), min(per), max(per)))
# intxd against the floor: the relay row of the same backend and source
for p in rows:
    q = p.replace("intxd", "relay", 1)
    f, i = runs.get(q, []), runs.get(p, [])
    if "intxd" in p and f and i:
        per = [b[0] / a[0] for a, b in zip(f, i)]
        print("TABLE ratio %s / %s: rate %.2fx (per repetition %.2f-%.2f; intxd against the floor)"
              % (p, q, med([x[0] for x in i]) / med([x[0] for x in f]), min(per), max(per)))
for k in ("uio", "vfio"):
    if mode != "one":
        break
    # a count, not a timing: intxd may make no config access the direct
    # driver does not, but the Status read uio keeps (backend-uio.c)
    keep = 1 if k == "uio" else 0
    da, ia = acc.get("direct-" + k), acc.get("intxd-" + k)
    if da is None or ia is None or ia > da + keep + 0.05:
        print("FAIL: config accesses per interrupt, %s: intxd %s, direct %s (+%d allowed)" % (k, ia, da, keep))
        ok = False
sys.exit(0 if ok else 1)
PY
exit $rc
