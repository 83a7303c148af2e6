#!/bin/bash
# check-doctor.sh - `intxctl doctor` (issue 13):
#
#   host-json     doctor --json on this machine, whatever PCI it has: valid
#                 JSON with every key doc/line-health.md's schema requires, and
#                 exit status 0 or 1 (never 2)
#   read-only     the same with /sys mounted read-only in a private mount
#                 namespace (unshare -m): same output; and under strace, no
#                 file opened for writing, no pwrite, no write but to
#                 stdout/stderr, no ioctl (skipped without strace/unshare)
#   stand-in      a made-up sysfs/proc/kmsg tree (INTXCTL_DOCTOR_SYSFS,
#                 _PROC, _KMSG): an Intel XL710 (on the kernel's broken-
#                 masking list) bound to vfio-pci shares IRQ 18 with
#                 ehci_hcd and a driverless function asserts it, and the
#                 kernel log says the line was disabled.  QEMU cannot make a
#                 device whose INTx masking does not work, so this tree is
#                 the stand-in for one.  doctor must say why the XL710
#                 cannot share, name the asserter, and report the line.
#   healthy       the same tree without the asserter, the kernel message
#                 and the XL710: exit 0
#   usage         doctor foo: exit 2
#
# Environment: INTXCTL (the binary), TOP_SRCDIR.
set -u

top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
INTXCTL=${INTXCTL:-$top/src/intxctl/intxctl}
passed=0 failed=0 skipped=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP: $1: $2"; skipped=$((skipped + 1)); }
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-doctor.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The schema of doc/line-health.md: required keys and their JSON types.
schema_check() {   # FILE
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def need(obj, keys, where):
    for k, types in keys.items():
        if k not in obj:
            raise SystemExit("%s: no key %r" % (where, k))
        if not isinstance(obj[k], types):
            raise SystemExit("%s: %r is %r" % (where, k, type(obj[k]).__name__))
N = type(None)
need(d, {"schema": int, "healthy": bool, "kernel_log_read": bool, "lines": list,
         "functions": list, "findings": list}, "top")
assert d["schema"] == 1
for l in d["lines"]:
    need(l, {"irq": int, "state": str, "kernel_disabled": (bool, N),
             "interrupts": (int, N), "spurious": (dict, N), "handlers": str,
             "functions": list}, "line")
    assert l["state"] in ("ok", "disabled", "rogue", "unhandled", "unknown"), l["state"]
    if l["spurious"] is not None:
        need(l["spurious"], {"count": int, "unhandled": int, "last_unhandled_ms": int}, "spurious")
for f in d["functions"]:
    need(f, {"bdf": str, "id": str, "class": str, "driver": (str, N), "pin": (str, N),
             "irq": (int, N), "irq_routed": bool, "masking": str, "masking_how": str,
             "quirk": (dict, N), "status_interrupt": (bool, N), "intx_disable": (bool, N),
             "uio_pci_generic": dict, "vfio_pci": dict}, "function")
    assert f["masking"] in ("yes", "no", "broken", "unknown", "n/a"), f["masking"]
    for k in ("uio_pci_generic", "vfio_pci"):
        need(f[k], {"ok": (bool, N), "why": str}, k)
    if f["quirk"] is not None:
        need(f["quirk"], {"what": str, "source": str, "commit": str}, "quirk")
for x in d["findings"]:
    need(x, {"kind": str, "severity": str, "irq": (int, N), "bdf": (str, N),
             "text": str, "remedy": str}, "finding")
    assert x["kind"] in ("rogue-asserter", "line-disabled", "unhandled-interrupts",
                         "cannot-share"), x["kind"]
    assert x["severity"] in ("error", "warning")
assert d["healthy"] == (not d["findings"])
PY
}

# ---- host-json
"$INTXCTL" doctor --json > "$tmp/host.json" 2> "$tmp/host.err"
r=$?
if [ "$r" -gt 1 ]; then
	fail host-json "exit status $r: $(cat "$tmp/host.err")"
elif out=$(schema_check "$tmp/host.json" 2>&1); then
	pass "host-json (exit $r, $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["functions"]), "functions,", len(d["lines"]), "lines")' "$tmp/host.json"))"
else
	fail host-json "$out"
fi

# ---- read-only
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	# shellcheck disable=SC2016
	if unshare -m sh -c 'mount --make-rprivate / && mount --bind /sys /sys &&
		mount -o remount,bind,ro /sys && exec "$0" doctor --json' "$INTXCTL" \
		> "$tmp/ro.json" 2> "$tmp/ro.err" || [ $? -eq 1 ]; then
		# the spurious and interrupt counts move between two runs
		norm() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for l in d["lines"]: l["interrupts"]=l["spurious"]=None
print(json.dumps(d, sort_keys=True))' "$1"; }
		if [ "$(norm "$tmp/ro.json")" = "$(norm "$tmp/host.json")" ]; then
			pass "read-only: /sys mounted read-only, same report"
		else
			fail read-only "the report differs with /sys read-only"
			diff <(norm "$tmp/host.json") <(norm "$tmp/ro.json") | head -5
		fi
	else
		fail read-only "doctor failed with /sys read-only: $(cat "$tmp/ro.err")"
	fi
else
	skip read-only "needs root and unshare"
fi
if command -v strace >/dev/null; then
	strace -f -qq -o "$tmp/trace" -e trace=open,openat,write,pwrite64,pwritev,pwritev2,ioctl \
		"$INTXCTL" doctor > /dev/null 2>&1
	# open(at) with O_WRONLY/O_RDWR/O_CREAT, any pwrite/ioctl, a write to fd > 2
	bad=$(grep -E 'O_WRONLY|O_RDWR|O_CREAT|pwrite|ioctl\(|^[0-9]+ +write\(([3-9]|[1-9][0-9]+),' \
		"$tmp/trace" | grep -v ' = -1 ' | grep -v 'ioctl([012], TCGETS' | head -5)
	if [ ! -s "$tmp/trace" ]; then
		fail read-only-trace "strace recorded nothing"
	elif [ -z "$bad" ]; then
		pass "read-only-trace: $(grep -c 'open' "$tmp/trace") opens, all read-only; no pwrite, no ioctl"
	else
		fail read-only-trace "doctor writes: $bad"
	fi
else
	skip read-only-trace "strace is not installed"
fi

# ---- stand-in: a made-up tree
mk_fn() {   # BDF VENDOR DEVICE CLASS IRQ ENABLE DRIVER CMD STATUS
	local d=$tmp/sys/$1
	mkdir -p "$d"
	echo "$2" > "$d/vendor"; echo "$3" > "$d/device"; echo "$4" > "$d/class"
	echo "$5" > "$d/irq"; echo "$6" > "$d/enable"
	if [ "$7" != - ]; then
		mkdir -p "$tmp/drivers/$7"
		ln -s "../../drivers/$7" "$d/driver"
	fi
	# 64 bytes of config: Command, Status, pin INTA
	python3 - "$d/config" "$8" "$9" <<'PY'
import struct, sys
cfg = bytearray(64)
struct.pack_into("<HHHH", cfg, 0, 0x8086, 0x1234, int(sys.argv[2], 0), int(sys.argv[3], 0))
cfg[0x3d] = 1
open(sys.argv[1], "wb").write(cfg)
PY
}
mkdir -p "$tmp/sys" "$tmp/proc/irq/18"
mk_fn 0000:00:1d.0 0x8086 0x1c26 0x0c0320 18 1 ehci-pci 0x0006 0x0000
mk_fn 0000:03:00.0 0x8086 0x1572 0x020000 18 1 vfio-pci 0x0006 0x0000
mk_fn 0000:05:00.0 0x1234 0x11e8 0x00ff00 18 1 - 0x0002 0x0008
printf '           CPU0       CPU1\n  0:         44          0   IO-APIC   2-edge      timer\n 18:     100000          7   IO-APIC  18-fasteoi   ehci_hcd:usb1, vfio-intx(0000:03:00.0)\n' \
	> "$tmp/proc/interrupts"
printf 'count 0\nunhandled 0\nlast_unhandled 4294667296 ms\n' > "$tmp/proc/irq/18/spurious"
printf '6,1,1000,-;pci 0000:00:1d.0: something\n4,2,5120000,-;Disabling IRQ #18\n' > "$tmp/kmsg"
export INTXCTL_DOCTOR_SYSFS=$tmp/sys INTXCTL_DOCTOR_PROC=$tmp/proc INTXCTL_DOCTOR_KMSG=$tmp/kmsg
"$INTXCTL" doctor 18 > "$tmp/standin.txt"; r=$?
"$INTXCTL" doctor --json 0000:03:00.0 > "$tmp/standin.json"
if [ "$r" -eq 1 ] && out=$(schema_check "$tmp/standin.json" 2>&1) && out=$(python3 - "$tmp/standin.json" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
assert [l["irq"] for l in d["lines"]] == [18], d["lines"]
l = d["lines"][0]
assert l["kernel_disabled"] is True and l["state"] == "disabled", l
assert l["interrupts"] == 100007, l["interrupts"]
assert l["handlers"] == "ehci_hcd:usb1, vfio-intx(0000:03:00.0)", l["handlers"]
f = {x["bdf"]: x for x in d["functions"]}
xl = f["0000:03:00.0"]
assert xl["masking"] == "broken" and xl["quirk"]["source"] == "quirk_broken_intx_masking", xl
assert xl["vfio_pci"]["ok"] is False and "ehci-pci (0000:00:1d.0)" in xl["vfio_pci"]["why"] \
    and "EBUSY" in xl["vfio_pci"]["why"], xl["vfio_pci"]
assert xl["uio_pci_generic"]["ok"] is False, xl
assert f["0000:00:1d.0"]["masking"] == "unknown", f["0000:00:1d.0"]
kinds = sorted((x["kind"], x["bdf"]) for x in d["findings"])
assert kinds == [("cannot-share", "0000:03:00.0"), ("line-disabled", None),
                 ("rogue-asserter", "0000:05:00.0")], kinds
PY
) && grep -q 'vfio-pci would need the line exclusively -> EBUSY' "$tmp/standin.txt" \
  && grep -q 'remedy: intxctl quarantine 0000:05:00.0' "$tmp/standin.txt"; then
	pass "stand-in: broken masking explained, asserter named, line disabled (exit $r)"
else
	fail stand-in "exit $r; $out"
	cat "$tmp/standin.txt"
fi

# ---- healthy: the asserter, the XL710 and the kernel message gone
rm -rf "$tmp/sys/0000:05:00.0" "$tmp/sys/0000:03:00.0"
printf '6,1,1000,-;pci 0000:00:1d.0: something\n' > "$tmp/kmsg"
"$INTXCTL" doctor > "$tmp/healthy.txt"; r=$?
if [ "$r" -eq 0 ] && grep -q '^healthy: no findings' "$tmp/healthy.txt"; then
	pass "healthy: exit 0"
else
	fail healthy "exit $r"
	cat "$tmp/healthy.txt"
fi

# ---- usage
"$INTXCTL" doctor foo > /dev/null 2>&1; r=$?
"$INTXCTL" doctor 18 19 > /dev/null 2>&1; r2=$?
if [ "$r" -eq 2 ] && [ "$r2" -eq 2 ]; then pass "usage: exit 2"; else fail usage "exit $r, $r2"; fi

echo "check-doctor.sh: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
