#!/bin/sh
# tests/vm/intx-guest.sh uio|vfio BUILDDIR [COUNT [BCOUNT]] - runs INSIDE the
# guest (through run-guest.sh).  Binds the edu devices (slots 4, 8, 12 share
# a line, slot 5 is on another) to uio_pci_generic or vfio-pci, checks what
# `intxctl discover` says about them, then runs intxd from BUILDDIR twice -
# mode = selective, then mode = broadcast - each time with edu-test driving
# real intx-edu-driver clients through the scenarios (COUNT, resp. BCOUNT,
# round-robin interrupts).  Figures on stdout ("RESULT ..." lines); exit 0
# only if every check passed.
set -u
MODE=${1:?usage: intx-guest.sh uio|vfio BUILDDIR [COUNT [BCOUNT]]}
B=${2:?usage: intx-guest.sh uio|vfio BUILDDIR [COUNT [BCOUNT]]}
COUNT=${3:-10000}
BCOUNT=${4:-$COUNT}

. "$(dirname "$0")/guest-prologue.sh"
DRIVER=$B/contrib/intx-edu-driver
EDUTEST=$B/tests/vm/edu-test
FAKESD=$B/tests/vm/fake-systemd
need "$DRIVER" "$EDUTEST" "$FAKESD"

A=0000:00:04.0 B8=0000:00:08.0 C=0000:00:0c.0 D=0000:00:05.0

case "$MODE" in
    uio) KDRV=uio_pci_generic ;;
    vfio) KDRV=vfio-pci ;;
    *) echo "unknown mode $MODE"; exit 2 ;;
esac

# new_id binds synchronously: when the write returns, probing is done
echo "1234 11e8" > /sys/bus/pci/drivers/$KDRV/new_id || { echo "FAIL: new_id"; exit 1; }
for b in $A $B8 $C $D; do
    d=$(readlink /sys/bus/pci/devices/$b/driver); d=${d##*/}
    [ "$d" = "$KDRV" ] || failed "$b is bound to '${d:-nothing}', not $KDRV"
done
[ $rc -eq 0 ] || exit $rc

# -- discover, before intxd holds the devices: the IRQs of 4, 8, 12 must be
#    one shared line, 5 another; INTx masking works on every edu
# --probe: vfio-pci leaves the functions disabled until opened, so only the
# probe (ours to do: these edus are the test's) reads their routed IRQ
echo "== intxctl discover --probe ($KDRV, before intxd)"
"$INTXCTL" discover --probe > /tmp/discover.txt 2>&1 || failed "intxctl discover --probe exited $?"
cat /tmp/discover.txt
col() { awk -v b="$1" -v c="$2" '$1 == b { print $c; exit }' /tmp/discover.txt; }
iA=$(col $A 6) iB=$(col $B8 6) iC=$(col $C 6) iD=$(col $D 6)
if [ -n "$iA" ] && [ "$iA" != "?" ] && [ "$iA" = "$iB" ] && [ "$iA" = "$iC" ] \
   && [ -n "$iD" ] && [ "$iD" != "?" ] && [ "$iD" != "$iA" ]; then
    echo "OK: discover: $A $B8 $C share irq $iA; $D is on irq $iD"
else
    failed "discover: irqs $iA $iB $iC / $iD; expected three equal and one other"
fi
for b in $A $B8 $C $D; do
    [ "$(col $b 7)" = yes ] || failed "discover: $b INTx masking '$(col $b 7)', expected yes"
done
grep -q "^irq $iA *shared *$A, $B8, $C" /tmp/discover.txt \
    || failed "discover: the lines section does not show irq $iA shared by the three"
"$INTXCTL" --json discover --probe > /tmp/discover.json 2>&1 || failed "intxctl --json discover --probe exited $?"
grep -q "{\"irq\":$iA,\"shared\":true,\"devices\":\[\"$A\",\"$B8\",\"$C\"\]}" /tmp/discover.json \
    || failed "discover --json: no shared line $iA of the three devices"

conf() {   # conf FILE selective|broadcast [EXTRA-STANZAS]; scan = $SCAN
    cat > "$1" <<EOF
[intxd]
socket = $SOCK
mode = $2
scan = ${SCAN:-signalled}
ack-timeout-ms = 20000

[device edu0]
pci = $A
backend = $MODE
line = auto

[device edu1]
pci = $B8
backend = $MODE
line = auto

[device edu2]
pci = $C
backend = $MODE
line = auto

[device edu3]
pci = $D
backend = $MODE
line = auto

[client edu0]
uid = 0
devices = edu0

[client edu1]
uid = 0
devices = edu1

[client edu2]
uid = 0
devices = edu2

[client edu3]
uid = 0
devices = edu3

; edu-test raises the interrupts; through this client it borrows the vfio
; device fds (vfio-pci claims the BARs, so sysfs cannot map them)
[client raiser]
uid = 0
devices = edu0, edu1, edu2, edu3
${3:-}
EOF
}

# A device that is not there: intxd must refuse it, report it, and serve the
# others (selective run only).
GHOST='
[device ghost]
pci = 0000:00:1e.0
backend = '$MODE'
line = auto'


# A CPU list (0,2-3) as one number a line.
cpus() { tr ',' '\n' | awk -F- 'NF { e = NF > 1 ? $2 : $1; for (i = $1; i <= e; i++) print i }'; }

# cpu = irq: intxd runs on the union of its lines' IRQ CPUs, and intxctl
# lines shows each (the kernel's effective_affinity_list, read here too).
check_cpu_irq() {
    want=$(cat /proc/irq/$iA/effective_affinity_list /proc/irq/$iD/effective_affinity_list \
        | cpus | sort -n -u | tr '\n' ' ')
    got=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$dpid/status | cpus | sort -n -u | tr '\n' ' ')
    if [ -n "$want" ] && [ "$want" = "$got" ]; then
        echo "OK: cpu = irq: intxd runs on CPU(s) $got, where irq $iA and irq $iD go"
    else
        failed "cpu = irq: intxd runs on CPU(s) '$got', irq $iA and irq $iD go to '$want'"
    fi
    awk 'NR > 1 && $NF == "-"' /tmp/lines.txt | grep -q . \
        && failed "intxctl lines: a line without its IRQ's CPUs"
    grep -q 'running on CPU(s)' /tmp/intxd-$m.log || failed "intxd did not log its CPUs"
}

# run selective|broadcast COUNT [EDU-TEST OPTIONS]; with SCAN=line the
# selective run reads every device's Status per wakeup (the reference scan).
# With RESTARTS=1 (vfio), intxd runs under fake-systemd (its fd store), and
# edu-test goes on with a reload that moves edu0 to a line of its own, an
# `intxctl restart` and a service restart, every driver holding its BAR0
# mapping throughout (issue 9, items 9 and 10).
run() {
    m=$1 n=$2
    shift 2
    extra=
    [ $m = selective ] && extra=$GHOST
    # the broadcast run places intxd on its lines' IRQ CPUs (issue 11)
    [ $m = broadcast ] && extra='
[intxd]
cpu = irq'
    conf /tmp/intxd-$m.conf $m "$extra"
    if [ -n "${RESTARTS:-}" ]; then
        sed '/^\[device edu0\]/,/^line/ s/^line = auto/line = moved/' \
            /tmp/intxd-$m.conf > /tmp/intxd-$m-moved.conf
        "$FAKESD" run /tmp/fakesd.ctl -- "$INTXD" -c /tmp/intxd-$m.conf 2> /tmp/intxd-$m.log &
        set -- "$@" --reload-line /tmp/intxd-$m.conf=/tmp/intxd-$m-moved.conf \
            --restart "intxctl=$INTXCTL --socket $SOCK restart" \
            --restart "service=$FAKESD restart /tmp/fakesd.ctl" \
            --restart "service-gap=$FAKESD stop /tmp/fakesd.ctl|$FAKESD start /tmp/fakesd.ctl"
    else
        "$INTXD" -c /tmp/intxd-$m.conf 2> /tmp/intxd-$m.log &
    fi
    dpid=$!
    label=$MODE
    [ "${SCAN:-signalled}" = line ] && label="$MODE/scan=line"
    "$EDUTEST" --socket $SOCK --driver "$DRIVER" --label "$label" --count "$n" "$@" \
        edu0=$A edu1=$B8 edu2=$C edu3=$D
    r=$?
    [ $r -eq 0 ] || failed "edu-test ($m) exited $r"
    echo "== intxctl lines ($m)"
    "$INTXCTL" --socket $SOCK lines || failed "intxctl lines"
    "$INTXCTL" --socket $SOCK lines > /tmp/lines.txt 2>&1
    grep -q "$m" /tmp/lines.txt || failed "intxctl lines does not say $m"
    [ $m = broadcast ] && check_cpu_irq
    echo "== intxctl devices ($m)"
    "$INTXCTL" --socket $SOCK devices > /tmp/devices.txt 2>&1 || failed "intxctl devices"
    cat /tmp/devices.txt
    if [ $m = selective ]; then
        awk '$1 == "ghost"' /tmp/devices.txt | grep -q failed \
            || failed "the absent device 'ghost' is not reported failed"
        echo "== what intxd said about the absent device"
        grep 'ghost' /tmp/intxd-$m.log | head -n 3
    fi
    if [ $m = selective ]; then
        echo "== intxctl discover (while intxd holds the devices)"
        "$INTXCTL" discover | sed -n '/^Lines/,/^$/p'
    fi
    kill -TERM $dpid
    wait $dpid
    dr=$?
    [ $dr -eq 0 ] || failed "intxd ($m) exited $dr"
    if [ $r -ne 0 ] || [ $dr -ne 0 ]; then
        echo "== intxd log ($m), last lines"
        tail -n 40 /tmp/intxd-$m.log
    elif grep -q 'error' /tmp/intxd-$m.log; then
        echo "== intxd errors ($m)"
        grep 'error' /tmp/intxd-$m.log | head -n 20
    fi
}

if [ "$MODE" = uio ]; then
    # edu3 is unbound at the end of the selective run (device-gone), and
    # bound again for the broadcast run
    run selective "$COUNT" --unbind-other $KDRV
    echo "$D" > /sys/bus/pci/drivers/$KDRV/bind || failed "binding $D again"
else
    RESTARTS=1
    run selective "$COUNT"
    RESTARTS=
    echo "== what intxd said about the restarts"
    grep -E 'restart|kept|reload|fake-systemd' /tmp/intxd-selective.log | head -n 30
fi
# the reference whole-line scan, on real config space, for its cost
SCAN=line run selective "$COUNT"
run broadcast "$BCOUNT" --broadcast
exit $rc
