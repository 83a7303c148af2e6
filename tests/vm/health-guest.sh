#!/bin/sh
# tests/vm/health-guest.sh baseline|intxd BUILDDIR [COUNT] - runs INSIDE the
# guest (through run-guest.sh), issue 13.  Edus in slots 4, 8, 12 share a
# line with the culprit, an edu in slot 16 that no driver owns.
#   baseline (-machine pc): 4, 8, 12 under uio_pci_generic, no intxd; the
#     culprit asserts: the kernel disables the line and the three are served
#     only by its 10 Hz poll (health-test baseline).  Then `intxctl doctor`
#     must name the culprit and say the line is disabled.  Then intxd (uio,
#     quarantine = yes) starts on the dead line: it must quarantine the
#     culprit and bring the line back, and serve every raise; when the
#     culprit gets a driver (uio_pci_generic), intxd ends its quarantine.
#   intxd (-machine q35-iommu): 4, 8, 12 under vfio-pci, served by intxd.
#     1. quarantine = no: the culprit asserts; intxd names it and writes
#        nothing; the kernel disables the line; the culprit is quarantined
#        by hand (intxctl's ADMIN op) and intxd brings the line back.
#     2. quarantine = yes (reload), the culprit released: intxd masks it by
#        itself and brings the line back if the kernel disabled it first.
#     3. intxd exits, the culprit stays masked; a new intxd releases it by
#        hand (the list of what it quarantined was the old one's).
#     4. an intxd with no line of its own quarantines the culprit by hand,
#        and ends the quarantine when a driver binds to it; a reload that
#        brings it lines starts its watchdog again.
#     Every raise on the three must be delivered in both.  Then doctor.
# Figures on stdout ("RESULT health ..."); exit 0 only if every check passed.
set -u
MODE=${1:?usage: health-guest.sh baseline|intxd BUILDDIR [COUNT]}
B=${2:?usage: health-guest.sh baseline|intxd BUILDDIR [COUNT]}
COUNT=${3:-30}
. "$(dirname "$0")/guest-prologue.sh"
HT=$B/tests/vm/health-test
need "$HT"

A=0000:00:04.0 B8=0000:00:08.0 C=0000:00:0c.0 X=0000:00:10.0

# doctor --json IRQ must name the culprit (state $1: asserting|quarantined|
# owned - bound to a driver now)
# and say whether the line is disabled ($2: true|false)
doctor_check() {
    "$INTXCTL" doctor "$IRQ" > /tmp/doctor.txt; dr=$?
    echo "== intxctl doctor $IRQ (exit $dr)"
    cat /tmp/doctor.txt
    "$INTXCTL" doctor --json "$IRQ" > /tmp/doctor.json
    python3 - "$IRQ" "$X" "$1" "$2" /tmp/doctor.json <<'PY' || failed "doctor --json: see above"
import json, sys
irq, culprit, want_state, want_dead = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "true"
d = json.load(open(sys.argv[5]))
line = [l for l in d["lines"] if l["irq"] == irq]
assert len(line) == 1, "line %d not reported" % irq
line = line[0]
assert culprit in line["functions"], "culprit not listed on the line"
f = [f for f in d["functions"] if f["bdf"] == culprit][0]
assert (f["driver"] is None) == (want_state != "owned") and f["status_interrupt"] is True, f
rogue = [x for x in d["findings"] if x["kind"] == "rogue-asserter" and x["bdf"] == culprit]
if want_state == "owned":
    assert not rogue, "a culprit with a driver named as a rogue"
elif want_state == "asserting":
    assert f["intx_disable"] is False and rogue, "culprit not named as a rogue asserter"
    assert ("intxctl quarantine " + culprit) in rogue[0]["remedy"], rogue[0]["remedy"]
else:
    assert f["intx_disable"] is True and not rogue, "quarantined culprit still named"
assert line["kernel_disabled"] is want_dead, "kernel_disabled %r" % line["kernel_disabled"]
dead = [x for x in d["findings"] if x["kind"] == "line-disabled" and x["irq"] == irq]
assert bool(dead) == want_dead, "line-disabled finding %r" % dead
print("OK: doctor --json: culprit %s %s, line %d %s, %d finding(s)" % (
    culprit, want_state, irq, "disabled" if want_dead else "enabled", len(d["findings"])))
PY
    want=0; { [ "$1" = asserting ] || [ "$2" = true ]; } && want=1
    [ "$dr" = "$want" ] || failed "doctor exit status $dr, expected $want"
}

conf() {   # conf uio|vfio yes|no
    cat > /tmp/intxd.conf <<EOC
[intxd]
socket = $SOCK
quarantine = $2
ack-timeout-ms = 20000

[device edu0]
pci = $A
backend = $1
line = auto

[device edu1]
pci = $B8
backend = $1
line = auto

[device edu2]
pci = $C
backend = $1
line = auto

[client owner]
uid = 0
devices = edu0, edu1, edu2
EOC
}

if [ "$MODE" = baseline ]; then
    for b in $A $B8 $C; do bind uio_pci_generic $b; done
    [ -e /sys/bus/pci/devices/$X/driver ] && failed "the culprit $X has a driver"
    [ $rc -eq 0 ] || exit $rc
    "$HT" baseline --culprit $X --count "$COUNT" edu0=$A edu1=$B8 edu2=$C || failed "health-test baseline"
    IRQ=$(cat /sys/bus/pci/devices/$A/irq)
    if dmesg | grep -q "Disabling IRQ #$IRQ\$"; then
        ok "the kernel disabled irq $IRQ: $(dmesg | grep -c "nobody cared") 'nobody cared'"
    else
        failed "the kernel did not disable irq $IRQ"
    fi
    grep "^ *$IRQ:" /proc/interrupts
    doctor_check asserting true

    # intxd comes after the kernel gave up on the line: from the kernel
    # log it must find the line dead, quarantine the culprit and bring the
    # line back (uio: one device bound to its driver again)
    echo "== intxd arrives on the dead line (uio, quarantine = yes)"
    conf uio yes
    "$INTXD" -c /tmp/intxd.conf 2> /tmp/intxd.log &
    dpid=$!
    "$HT" intxd --socket $SOCK --culprit $X --count "$COUNT" --no-culprit \
        --bind-culprit uio_pci_generic edu0=$A edu1=$B8 edu2=$C \
        || failed "health-test after the fact"
    grep -q "irq $IRQ: the kernel disabled the line" /tmp/intxd.log \
        || failed "intxd did not find the dead line"
    grep -q "quarantine $X (irq $IRQ): INTx Disable set (quarantine = yes)" /tmp/intxd.log \
        || failed "intxd did not quarantine the culprit"
    grep -q "irq $IRQ: revived" /tmp/intxd.log || failed "intxd did not revive irq $IRQ"
    "$INTXCTL" --socket $SOCK lines | tee /tmp/lines.txt
    grep -q "revived" /tmp/lines.txt || failed "intxctl lines does not show the line's health"
    grep -q "release $X (irq $IRQ): INTx Disable cleared (driver uio_pci_generic bound to it)" \
        /tmp/intxd.log || failed "intxd did not end the quarantine when a driver bound"
    grep "^ *$IRQ:" /proc/interrupts
    doctor_check owned false
    kill -TERM $dpid
    wait $dpid || failed "intxd exited $?"
    echo "== intxd log (line health)"
    grep -E "rogue|quarantin|release|revived|disabled|linewatch|again" /tmp/intxd.log | head -n 20
    exit $rc
fi

[ "$MODE" = intxd ] || { echo "unknown mode $MODE"; exit 2; }
for b in $A $B8 $C; do bind vfio-pci $b; done
[ $rc -eq 0 ] || exit $rc

conf vfio no
"$INTXD" -c /tmp/intxd.conf 2> /tmp/intxd.log &
dpid=$!
echo "== 1. quarantine = no; quarantine by hand"
"$HT" intxd --socket $SOCK --culprit $X --count "$COUNT" --quarantine-by-hand \
    edu0=$A edu1=$B8 edu2=$C || failed "health-test, quarantine by hand"
IRQ=$(cat /sys/bus/pci/devices/$A/irq)
grep -q "rogue asserter on irq $IRQ: $X" /tmp/intxd.log || failed "intxd did not name the culprit"
grep -q "$X is not quarantined (quarantine = no)" /tmp/intxd.log \
    || failed "intxd did not say it left the culprit alone"
grep -q "irq $IRQ: revived" /tmp/intxd.log || failed "intxd did not revive irq $IRQ"
"$INTXCTL" --socket $SOCK lines | tee /tmp/lines.txt
grep -q "revived quarantine rogue" /tmp/lines.txt || failed "intxctl lines does not show the line's health"
doctor_check quarantined false

echo "== 2. quarantine = yes (reload); the culprit released"
conf vfio yes
"$INTXCTL" --socket $SOCK reload || failed "reload"
"$HT" intxd --socket $SOCK --culprit $X --count "$COUNT" --release-culprit \
    edu0=$A edu1=$B8 edu2=$C || failed "health-test, quarantine = yes"
grep -q "quarantine $X (irq $IRQ): INTx Disable set (quarantine = yes)" /tmp/intxd.log \
    || failed "intxd did not quarantine the culprit by itself"
"$INTXCTL" --socket $SOCK lines
doctor_check quarantined false
kill -TERM $dpid
wait $dpid || failed "intxd exited $?"

echo "== 3. the quarantine outlives intxd; a new one releases it by hand"
# Command bit 10 of $1, from its config space
intx_disable() {
    python3 -c 'import sys; c = open(sys.argv[1], "rb").read(6); print(c[5] >> 2 & 1)' \
        /sys/bus/pci/devices/$1/config
}
[ "$(intx_disable $X)" = 1 ] || failed "the culprit's INTx Disable did not outlive intxd"
conf vfio no
"$INTXD" -c /tmp/intxd.conf 2> /tmp/intxd3.log &
dpid=$!
i=0; until "$INTXCTL" --socket $SOCK status > /dev/null 2>&1 || [ $i -ge 100 ]; do
    sleep 0.1; i=$((i + 1)); done
"$INTXCTL" --socket $SOCK release $X || failed "a new intxd did not release the culprit"
[ "$(intx_disable $X)" = 0 ] || failed "INTx Disable still set after release"
"$INTXCTL" --socket $SOCK release $X 2> /tmp/release.err && failed "a second release succeeded"
grep -q "Operation already in progress" /tmp/release.err \
    || failed "second release: $(cat /tmp/release.err)"
# and calm again (it still asserts)
"$INTXCTL" --socket $SOCK quarantine $X || failed "quarantine again"
[ "$(intx_disable $X)" = 1 ] || failed "INTx Disable not set by quarantine"
grep -E "release|quarantine" /tmp/intxd3.log
kill -TERM $dpid
wait $dpid || failed "intxd exited $?"

echo "== 4. an intxd serving no line of its own ends its quarantine when a driver binds"
printf '[intxd]\nsocket = %s\n' $SOCK > /tmp/intxd-empty.conf
"$INTXD" -c /tmp/intxd-empty.conf 2> /tmp/intxd4.log &
dpid=$!
i=0; until "$INTXCTL" --socket $SOCK status > /dev/null 2>&1 || [ $i -ge 100 ]; do
    sleep 0.1; i=$((i + 1)); done
"$INTXCTL" --socket $SOCK quarantine $X || failed "quarantine by an intxd without lines"
bind uio_pci_generic $X
# its watchdog looks every 50 ms: 10 s is plenty
i=0; until grep -q "release $X .*driver uio_pci_generic bound to it" /tmp/intxd4.log \
    || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "release $X .*driver uio_pci_generic bound to it" /tmp/intxd4.log \
    || failed "intxd without lines did not end the quarantine when a driver bound"
grep -E "release|quarantine" /tmp/intxd4.log
# with the quarantine over and no line of its own, its watchdog stopped;
# a reload that brings lines of host functions must start it again
grep -q "linewatch: every" /tmp/intxd4.log && failed "intxd without lines watched lines"
conf vfio no
cp /tmp/intxd.conf /tmp/intxd-empty.conf
"$INTXCTL" --socket $SOCK reload || failed "reload to three vfio lines"
grep -q "linewatch: every 50 ms" /tmp/intxd4.log \
    || failed "the watchdog did not start again for the lines a reload brought"
"$INTXCTL" --socket $SOCK lines
kill -TERM $dpid
wait $dpid || failed "intxd exited $?"
echo "== intxd log (line health)"
grep -E "rogue|quarantin|release|revived|disabled|linewatch" /tmp/intxd.log | head -n 30
exit $rc
