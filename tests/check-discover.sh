#!/bin/bash
# check-discover.sh - `intxctl discover` only reads; `discover --probe` is
# what writes.
#
# The host's PCI devices are never touched: in a private mount namespace a
# tree of our own (one idle function with an INTx pin, no driver, not
# enabled: the kind discover --probe enables and probes) is mounted over
# /sys/bus/pci/devices, where libpciaccess and intxctl look.  Every file of
# it is dated in the past first, so any write shows as a new mtime.
#
#   read-only    discover and --json discover change no file of the tree,
#                and say what --probe would find out
#   probe        discover --probe does write (enable, config): this is what
#                proves the check above can see a write; it reads the IRQ
#                and finds the function can mask its INTx
#   probe-root   discover --probe refuses to run when not root
#
# Exit 77 when not root or without a mount namespace.  Environment:
# INTXCTL (the built intxctl); INTX_LIBDIR (where the build's libintx is,
# for the copy of intxctl run as another uid; optional).
set -eu

if [ ! -x "${INTXCTL:-}" ]; then
	echo "check-discover.sh: INTXCTL must name the built intxctl (got '${INTXCTL:-}')" >&2
	exit 99
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "check-discover.sh: SKIP: needs root (a mount namespace)"
	exit 77
fi
if [ ! -d /sys/bus/pci/devices ]; then
	echo "check-discover.sh: SKIP: no /sys/bus/pci/devices to mount over"
	exit 77
fi
if ! unshare -m --propagation private true 2>/dev/null; then
	echo "check-discover.sh: SKIP: cannot make a mount namespace"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-discover.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }

bdf=0000:00:07.0
# a fake function: QEMU's edu (1234:11e8, class 00ff00), INTA, IRQ 11
fake() {
	local d=$tmp/devices/$bdf
	rm -rf "$tmp/devices"
	mkdir -p "$d"
	python3 - "$d/config" <<-'PY'
	import struct, sys
	c = bytearray(256)
	struct.pack_into("<HHHH", c, 0, 0x1234, 0x11e8, 0x0000, 0x0010)  # ids, Command, Status
	c[8:12] = bytes([0x10, 0x00, 0xff, 0x00])                       # revision, class 00ff00
	c[0x3c], c[0x3d] = 11, 1                                          # line 11, pin INTA
	open(sys.argv[1], "wb").write(c)
	PY
	echo 0x1234 >"$d/vendor"
	echo 0x11e8 >"$d/device"
	echo 0x00ff00 >"$d/class"
	echo 0x1af4 >"$d/subsystem_vendor"
	echo 0x1100 >"$d/subsystem_device"
	echo 0x10 >"$d/revision"
	echo 0 >"$d/enable"
	echo 11 >"$d/irq"
	for _ in 1 2 3 4 5 6 7; do
		echo "0x0000000000000000 0x0000000000000000 0x0000000000000000"
	done >"$d/resource"
	touch -d @1000000000 "$d"/*
}

# the tree's files, with mtime and checksum
snapshot() {
	(cd "$tmp/devices/$bdf" && for f in *; do
		printf '%s %s %s\n' "$f" "$(stat -c %Y "$f")" "$(md5sum <"$f")"
	done)
}

# discover ARGS...: intxctl ARGS with the fake tree as the PCI devices
discover() {
	unshare -m --propagation private sh -c \
		'mount --bind "$1" /sys/bus/pci/devices && shift && exec "$@"' \
		sh "$tmp/devices" "$INTXCTL" "$@"
}

# --- read-only
fake
snapshot >"$tmp/before"
if discover discover >"$tmp/ro.out" 2>&1 && discover --json discover >"$tmp/ro.json" 2>&1; then
	snapshot >"$tmp/after"
	if ! cmp -s "$tmp/before" "$tmp/after"; then
		fail read-only "discover wrote to the device (files changed):"
		diff "$tmp/before" "$tmp/after" | sed 's/^/    /'
	elif ! grep -q "^$bdf .* ? .*IRQ unknown without --probe.*masking not probed (--probe)" "$tmp/ro.out"; then
		fail read-only "no IRQ '?' and --probe notes for $bdf:"
		sed 's/^/    /' "$tmp/ro.out"
	elif ! grep -q "\"pci\":\"$bdf\".*\"irq\":null.*\"intx_masking\":null" "$tmp/ro.json"; then
		fail read-only "--json: irq and intx_masking not null:"
		sed 's/^/    /' "$tmp/ro.json"
	else
		pass read-only
	fi
else
	fail read-only "discover failed:"
	sed 's/^/    /' "$tmp/ro.out" "$tmp/ro.json"
fi

# --- probe
fake
snapshot >"$tmp/before"
if discover discover --probe >"$tmp/probe.out" 2>&1; then
	snapshot >"$tmp/after"
	changed=$(diff "$tmp/before" "$tmp/after" | sed -n 's/^> \([a-z]*\) .*/\1/p' | sort | tr '\n' ' ')
	if [ "$changed" != "config enable " ]; then
		fail probe "expected writes to config and enable, got: '${changed}'"
	elif ! grep -q "^$bdf .* 11 *yes" "$tmp/probe.out"; then
		fail probe "no IRQ 11 and masking yes for $bdf:"
		sed 's/^/    /' "$tmp/probe.out"
	elif ! cmp -s <(head -c 6 "$tmp/devices/$bdf/config" | od -An -tx1) \
		<(printf '\x34\x12\xe8\x11\x00\x00' | od -An -tx1); then
		fail probe "the Command register was not restored"
	else
		pass probe
	fi
else
	fail probe "discover --probe failed:"
	sed 's/^/    /' "$tmp/probe.out"
fi

# --- probe-root: not as another uid, which runs a copy (the checkout may
# be private) with the build's libintx, if given
mkdir -m 755 "$tmp/bin"
chmod 755 "$tmp"
install -m 755 "$INTXCTL" "$tmp/bin/intxctl"
if [ -n "${INTX_LIBDIR:-}" ]; then
	cp -L "$INTX_LIBDIR"/libintx.so* "$tmp/bin/"
	chmod 644 "$tmp"/bin/libintx.so*
fi
if out=$(LD_LIBRARY_PATH=$tmp/bin setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$tmp/bin/intxctl" discover --probe 2>&1); then
	fail probe-root "discover --probe succeeded as uid 65534"
elif ! grep -q "needs root" <<<"$out"; then
	fail probe-root "no 'needs root' in: $out"
else
	pass probe-root
fi

echo "check-discover.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
