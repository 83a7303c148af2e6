#!/bin/sh
# tests/vm/e1000-guest.sh BUILDDIR [N] - runs INSIDE the guest (q35 +
# intel-iommu, through check-e1000.sh), issue 12.  Slots: edu 4 and 8 and
# the receiving e1000 in 12 share one INTx line; edu 16 (same line) joins
# at a reload; the sending e1000 in 6 is under the guest kernel's e1000
# driver; a QEMU hub joins the two e1000s.
#   1. direct: contrib/intx-e1000-rx --direct (no intxd) receives N frames
#      from e1000-send (the rate without a broker); again at the end (3.).
#   2. through intxd (vfio): the same driver, with intx-edu-driver owning
#      each edu and edu-raise interrupting them all along: N frames; an
#      `intxctl reload` that adds edu 16 to the line; N frames; `intxctl
#      restart`; N frames; N frames alone on the line (the rate against
#      1. and 3.); a driver killed with its ring mapped, and the next one
#      (intxd must unmap what it left).  Every frame must arrive once with
#      its content,
#      every interrupt reach only its owner: the drivers' counts against
#      intxd's and the raiser's.
# Prints "RESULT e1000 ..." lines; exit 0 only if every check passed.
set -u
B=${1:?usage: e1000-guest.sh BUILDDIR [N]}
N=${2:-300}
# frames on the way (e1000-send's flow control): W while the edus raise;
# 1 for the rate phases (direct, alone), so that every frame is an
# interrupt of its own and the broker's cost per interrupt shows
W=16
. "$(dirname "$0")/guest-prologue.sh"
RX=$B/contrib/intx-e1000-rx
EDU=$B/contrib/intx-edu-driver
SEND=$B/tests/vm/e1000-send
RAISE=$B/tests/vm/edu-raise
need "$RX" "$EDU" "$SEND" "$RAISE"
E0=0000:00:04.0 E1=0000:00:08.0 NIC=0000:00:0c.0 E2=0000:00:10.0 TX=0000:00:06.0

for b in $E0 $E1 $NIC $E2; do bind vfio-pci $b; done
modprobe e1000 || failed "modprobe e1000 (the guest kernel's driver)"
bind e1000 $TX
IF=$(ls /sys/bus/pci/devices/$TX/net/ 2>/dev/null | head -n 1)
[ -n "$IF" ] || failed "no network interface on the sender $TX"
[ $rc -eq 0 ] || exit $rc
ip link set "$IF" up || failed "ip link set $IF up"
# frames sent before the carrier is up are dropped (noop qdisc)
i=0; while [ "$(cat /sys/class/net/$IF/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
[ "$(cat /sys/class/net/$IF/carrier 2>/dev/null)" = 1 ] || failed "$IF: no carrier"

# wait_frames FILE COUNT: until the driver printed COUNT frame lines (30 s)
wait_frames() {
    i=0
    while [ "$(grep -c '^frame' "$1")" -lt "$2" ] && [ $i -lt 300 ]; do
        sleep 0.1; i=$((i + 1))
    done
    [ "$(grep -c '^frame' "$1")" -ge "$2" ] || failed "$1: $(grep -c '^frame' "$1") of $2 frames"
}
field() {  # field NAME LINE
    echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# the rate: frames over the time from the first to the last one received
rate() {  # rate FILE FIRST COUNT
    awk -v a="$2" -v b="$(($2 + $3 - 1))" '/^frame/ { split($2, q, "="); split($4, t, "=");
        if (q[2] == a) t0 = t[2]; if (q[2] == b) t1 = t[2] }
        END { if (t1 > t0) printf "%d", (b - a) / (t1 - t0); else print "?" }' "$1"
}
direct() {  # direct LABEL FIRST: the driver on the VFIO eventfd, no intxd
    "$RX" --direct $NIC --expect "$N" > /tmp/direct.$1 2>&1 &
    rxpid=$!
    i=0; while ! grep -q '^ready' /tmp/direct.$1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    "$SEND" "$IF" "$2" "$N" 256 /tmp/direct.$1 1 || failed "e1000-send (direct $1)"
    i=0; while kill -0 $rxpid 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    kill $rxpid 2>/dev/null
    wait $rxpid || failed "intx-e1000-rx --direct exited $?"
    grep -v "^frame" /tmp/direct.$1
    S=$(grep '^summary' /tmp/direct.$1)
    [ "$(field good "$S")" = "$N" ] && [ "$(field bad "$S")" = 0 ] && [ "$(field dup "$S")" = 0 ] \
        || failed "direct $1: not every frame once and intact"
    echo "RESULT e1000 direct $1 frames=$(field good "$S") irqs=$(field irqs "$S") rate=$(rate /tmp/direct.$1 "$2" "$N")/s"
}

echo "== 1. direct: no broker"
direct first 0

conf() {   # conf [with-edu2]
    cat > /tmp/intxd.conf <<EOC
[intxd]
socket = $SOCK
ack-timeout-ms = 20000

[device edu0]
pci = $E0
backend = vfio
line = auto

[device edu1]
pci = $E1
backend = vfio
line = auto

[device nic]
pci = $NIC
backend = vfio
line = auto

[client nic]
uid = 0
devices = nic

[client edu0]
uid = 0
devices = edu0

[client edu1]
uid = 0
devices = edu1

[client raiser]
uid = 0
devices = edu0, edu1
EOC
    [ "${1:-}" = with-edu2 ] && cat >> /tmp/intxd.conf <<EOC

[device edu2]
pci = $E2
backend = vfio
line = auto
EOC
    return 0
}

echo "== 2. through intxd"
conf
"$INTXD" -c /tmp/intxd.conf 2> /tmp/intxd.log &
dpid=$!
i=0; while [ ! -S $SOCK ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
"$EDU" --socket $SOCK --client edu0 --quiet edu0=$E0 > /tmp/edu0.out 2>&1 &
e0pid=$!
"$EDU" --socket $SOCK --client edu1 --quiet edu1=$E1 > /tmp/edu1.out 2>&1 &
e1pid=$!
"$RX" --socket $SOCK --client nic nic > /tmp/rx.out 2>&1 &
rxpid=$!
for f in /tmp/edu0.out /tmp/edu1.out /tmp/rx.out; do
    i=0; while ! grep -q '^ready' $f && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q '^ready' $f || { cat $f; failed "$f: the driver did not start"; }
done
IRQ=$(cat /sys/bus/pci/devices/$NIC/irq)
[ "$IRQ" = "$(cat /sys/bus/pci/devices/$E0/irq)" ] && [ "$IRQ" = "$(cat /sys/bus/pci/devices/$E1/irq)" ] \
    || failed "the e1000 does not share its line with the edus"
grep "^ *$IRQ:" /proc/interrupts
[ $rc -eq 0 ] || { cat /tmp/intxd.log; exit $rc; }

raise_start() { "$RAISE" --socket $SOCK --client raiser edu0 edu1 > /tmp/raise.$1 2>&1 & rpid=$!; }
raise_stop() {
    kill -TERM $rpid; wait $rpid || failed "edu-raise ($1) exited $?"
    cat /tmp/raise.$1 | grep -v ready
}
send_phase() {  # send_phase LABEL FIRST
    raise_start "$1"
    "$SEND" "$IF" "$2" "$N" 256 /tmp/rx.out "$W" > /dev/null || failed "e1000-send ($1)"
    wait_frames /tmp/rx.out $(($2 + N))
    raise_stop "$1"
    echo "RESULT e1000 intxd $1 frames=$N rate=$(rate /tmp/rx.out "$2" "$N")/s (edu raises alongside)"
}
stats() { "$INTXCTL" --socket $SOCK --json stats > /tmp/stats.$1 || failed "intxctl stats ($1)"; }
# quiesce: until every notification intxd delivered has been acknowledged,
# seen twice in a row (a driver prints its frames before its handler
# returns, so the last ACK can still be on its way when they are all there)
quiesce() {
    i=0; q=0
    while [ $q -lt 2 ] && [ $i -lt 100 ]; do
        if "$INTXCTL" --socket $SOCK --json devices | python3 -c '
import json, sys
sys.exit(0 if all(d["delivered"] == d["acked"] for d in json.load(sys.stdin)["devices"]) else 1)'
        then q=$((q + 1)); else q=0; fi
        sleep 0.1; i=$((i + 1))
    done
    [ $q -ge 2 ] || failed "intxd still waits for acknowledgements ($1)"
}

send_phase start 0
echo "== reload: edu 16 joins the line"
conf with-edu2
"$INTXCTL" --socket $SOCK reload || failed "reload"
"$INTXCTL" --socket $SOCK devices
send_phase reload "$N"
quiesce before-restart
stats before-restart
echo "== intxctl restart"
"$INTXCTL" --socket $SOCK restart || failed "intxctl restart"
i=0; while ! "$INTXCTL" --socket $SOCK --json clients 2>/dev/null | grep -q '"nic"[^}]*"sessions":1' && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
"$INTXCTL" --socket $SOCK clients
send_phase restart $((2 * N))
# alone on the line, warm, one frame in flight: the broker's price
# against --direct
"$SEND" "$IF" $((3 * N)) "$N" 256 /tmp/rx.out 1 > /dev/null || failed "e1000-send (alone)"
wait_frames /tmp/rx.out $((4 * N))
echo "RESULT e1000 intxd alone frames=$N rate=$(rate /tmp/rx.out $((3 * N)) "$N")/s"
# the driver's count is final when it has exited, intxd's when it has seen
# that session end (every ACK came before the end on the same socket)
kill -TERM $rxpid
wait $rxpid || failed "intx-e1000-rx exited $?"
i=0; while ! "$INTXCTL" --socket $SOCK --json clients | grep -q '"nic"[^}]*"sessions":0' && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
quiesce after-restart
stats after-restart
# a driver that dies with its ring mapped: intxd must unmap it when its
# session ends, or the next driver cannot map the same IOVA (EEXIST)
echo "== a driver killed with its DMA mapped, and the next one"
"$RX" --socket $SOCK --client nic --quiet nic > /tmp/rx-killed.out 2>&1 &
kpid=$!
i=0; while ! grep -q '^ready' /tmp/rx-killed.out && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
grep -q '^ready' /tmp/rx-killed.out || failed "the driver to be killed did not start"
kill -KILL $kpid; wait $kpid 2>/dev/null
"$RX" --socket $SOCK --client nic --expect "$N" nic > /tmp/rx-next.out 2>&1 &
npid=$!
i=0; while ! grep -q '^ready' /tmp/rx-next.out && kill -0 $npid 2>/dev/null && [ $i -lt 200 ]; do
    sleep 0.1; i=$((i + 1))
done
grep -q '^ready' /tmp/rx-next.out || { cat /tmp/rx-next.out; failed "the next driver could not start"; }
"$SEND" "$IF" $((5 * N)) "$N" 256 /tmp/rx-next.out "$W" > /dev/null || failed "e1000-send (next)"
wait $npid || failed "the next driver exited $?"
S=$(grep '^summary' /tmp/rx-next.out)
[ "$(field good "$S")" = "$N" ] && [ "$(field bad "$S")" = 0 ] || failed "the next driver: $S"
grep "unmapped .* its clients left mapped" /tmp/intxd.log \
    || failed "intxd did not unmap what the killed driver left"
echo "RESULT e1000 killed-driver next=$(field good "$S") frames"
kill -TERM $e0pid $e1pid
wait $e0pid || failed "edu0 driver exited $?"
wait $e1pid || failed "edu1 driver exited $?"
kill -TERM $dpid; wait $dpid || failed "intxd exited $?"
grep -v '^frame' /tmp/rx.out
cat /tmp/edu0.out /tmp/edu1.out | grep summary
grep -iE "dma|error|restart" /tmp/intxd.log | head -n 20
echo "== 3. direct again, intxd gone"
direct again $((4 * N))

python3 - "$N" <<'PY' || failed "counts: see above"
import json, re, sys
n = int(sys.argv[1])
def summary(path):
    line = [l for l in open(path) if l.startswith("summary")][-1]
    return {k: float(v) if "." in v else int(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}
rx = summary("/tmp/rx.out")
assert rx["good"] == 4 * n and rx["bad"] == 0 and rx["dup"] == 0, "e1000 frames %r" % rx
assert rx["none"] == 0, "the e1000 driver was called for another device's interrupt %r" % rx
raised = {"edu0": 0, "edu1": 0}
for ph in ("start", "reload", "restart"):
    for l in open("/tmp/raise." + ph):
        m = re.match(r"raised (\w+) (\d+)", l)
        if m:
            raised[m.group(1)] += int(m.group(2))
drv = {}
for d in ("edu0", "edu1"):
    s = summary("/tmp/%s.out" % d)
    drv[d] = s
    assert s["handled"] == raised[d] and s["none"] == 0, "%s: raised %d, driver %r" % (d, raised[d], s)
a = json.load(open("/tmp/stats.before-restart"))
b = json.load(open("/tmp/stats.after-restart"))
def cl(st, name):
    return [c for c in st["clients"] if c["name"] == name][0]
for name, want in (("nic", rx["irqs"]), ("edu0", raised["edu0"]), ("edu1", raised["edu1"])):
    ca, cb = cl(a, name), cl(b, name)
    handled = ca["handled"] + cb["handled"]
    assert handled == want, "%s: intxd counted %d handled, the driver %d" % (name, handled, want)
    for c in (ca, cb):
        assert c["unhandled"] == 0 and c["timeouts"] == 0, "%s: %r" % (name, c)
print("OK: counts: e1000 %d frames in %d interrupts, edu0 %d, edu1 %d raised = handled = intxd's"
      % (rx["good"], rx["irqs"], raised["edu0"], raised["edu1"]))
print("RESULT e1000 intxd frames=%d irqs=%d edu0=%d edu1=%d none=0" % (rx["good"], rx["irqs"], raised["edu0"], raised["edu1"]))
PY
exit $rc
