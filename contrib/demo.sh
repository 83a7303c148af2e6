#!/bin/bash
# demo.sh - intxd on the sim backend: six devices on two shared lines, three
# clients (the example driver, each as its own uid).  Every interrupt is
# raised with intx-sim; intxctl then shows who was woken for what, first in
# selective mode (intxd reads Status bit 3) and then in broadcast mode (what
# a plain shared-IRQ multiplexer does), side by side.
#
# Run from a built tree (./configure && make), or set INTXD, INTXCTL,
# INTX_SIM and INTX_DRIVER to installed binaries.  Needs root (the clients
# run as other uids).
#
# The clients' uids may not read this tree (it may be in /root, mode 0700),
# and libtool cannot give an uninstalled program a RUNPATH with a space in
# it: so the driver, with the libintx of INTX_LIBDIR (the build tree's when
# INTX_DRIVER is not set; none for an installed driver), is copied into
# the demo's own temporary directory and run from there.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
INTXD=${INTXD:-$top/src/intxd/intxd}
INTXCTL=${INTXCTL:-$top/src/intxctl/intxctl}
INTX_SIM=${INTX_SIM:-$top/src/intx-sim/intx-sim}
if [ -z "${INTX_DRIVER:-}" ]; then
	INTX_DRIVER=$top/contrib/intx-example-driver
	INTX_LIBDIR=${INTX_LIBDIR-$top/src/libintx/.libs}
fi
INTX_LIBDIR=${INTX_LIBDIR:-}
CONF=${DEMO_CONF:-$top/conf/demo-sim.conf}
ROUNDS=${ROUNDS:-25}
dir=
devices=(nic0 disk0 gpu0 usb0 snd0 tty0)
declare -A irq=([nic0]=11 [disk0]=11 [gpu0]=11 [usb0]=11 [snd0]=10 [tty0]=10)
declare -A uid=([vm1]=61101 [vm2]=61102 [dpdk]=61103)
declare -A owns=([vm1]="nic0 disk0" [vm2]="gpu0 snd0" [dpdk]="usb0 tty0")
pids=()

[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (clients run as other uids)" >&2; exit 1; }
for b in "$INTXD" "$INTXCTL" "$INTX_SIM" "$INTX_DRIVER"; do
	[ -x "$b" ] || { echo "demo.sh: $b is missing: build first" >&2; exit 1; }
done

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "$dir" ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

# Wait (up to 10 s) for a command to succeed: the demo's only polling.
wait_for() {
	local i
	for i in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
	echo "demo.sh: timed out waiting for: $*" >&2
	return 1
}

run_mode() {
	local mode=$1 c d r
	local conf=$dir/intxd-$mode.conf
	# the devices and the socket live in this run's directory
	sed -e "s/^mode = .*/mode = $mode/" -e "s|/tmp/intxd-demo|$dir|g" "$CONF" > "$conf"
	"$INTXD" -c "$conf" 2> "$dir/intxd-$mode.log" &
	pids+=($!)
	wait_for "$INTXCTL" --socket "$sock" status || { cat "$dir/intxd-$mode.log" >&2; exit 1; }
	for c in vm1 vm2 dpdk; do
		local args=()
		for d in ${owns[$c]}; do args+=("$d=$dir/sim/$d"); done
		LD_LIBRARY_PATH=$dir/bin \
		setpriv --reuid="${uid[$c]}" --regid="${uid[$c]}" --clear-groups \
			"$dir/bin/intx-example-driver" --socket "$sock" --client "$c" "${args[@]}" \
			> "$dir/$c-$mode.log" 2>&1 &
		pids+=($!)
		wait_for grep -q '^ready' "$dir/$c-$mode.log" || { cat "$dir/$c-$mode.log" >&2; exit 1; }
	done
	# round-robin over all six devices; each raise waits until intxd has
	# seen it acknowledged (the device is unmasked again)
	local total=0
	for r in $(seq "$ROUNDS"); do
		for d in "${devices[@]}"; do
			"$INTX_SIM" raise "$dir/sim/$d"
			total=$((total + 1))
			wait_for sh -c "! \"$INTX_SIM\" show \"$dir/sim/$d\" | grep -q ' masked'"
		done
	done
	echo
	echo "=== mode = $mode: $total interrupts raised ($ROUNDS on each device) ==="
	"$INTXCTL" --socket "$sock" lines
	echo
	"$INTXCTL" --socket "$sock" devices
	echo
	"$INTXCTL" --socket "$sock" clients | tee "$dir/clients-$mode.txt"
	"$INTXCTL" --socket "$sock" --json clients > "$dir/clients-$mode.json"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pids=()
}

dir=$(mktemp -d /tmp/intxd-demo.XXXXXX)
sock=$dir/intxd.sock
# the clients reach the socket, their devices and their program through it
chmod 755 "$dir"
mkdir -m 755 "$dir/sim" "$dir/bin"
install -m 755 "$INTX_DRIVER" "$dir/bin/intx-example-driver"
if [ -n "$INTX_LIBDIR" ]; then
	libs=("$INTX_LIBDIR"/libintx.so*)
	[ -e "${libs[0]}" ] || { echo "demo.sh: no libintx.so* in $INTX_LIBDIR: build first" >&2; exit 1; }
	cp -L "${libs[@]}" "$dir/bin/"
	chmod 644 "$dir"/bin/libintx.so*
fi
for d in "${devices[@]}"; do
	"$INTX_SIM" create "$dir/sim/$d" --irq "${irq[$d]}"
	# the owning client acknowledges its device through the image
	chmod 777 "$dir/sim/$d"
	chmod 666 "$dir/sim/$d/config"
done

run_mode selective
run_mode broadcast

# Handler runs per client from each driver's own summary line.
summary() { sed -n "s/^summary $1 handled=\([0-9]*\) none=\([0-9]*\)/\1 \2/p" "$dir/$1-$2.log"; }
echo
echo "=== side by side: handler calls per client (handled = its device, none = woken for nothing) ==="
printf '%-6s %-14s | %-18s | %-18s\n' client owns "selective h / none" "broadcast h / none"
for c in vm1 vm2 dpdk; do
	read -r sh sn < <(summary "$c" selective)
	read -r bh bn < <(summary "$c" broadcast)
	printf '%-6s %-14s | %8s / %-7s | %8s / %-7s\n' "$c" "${owns[$c]}" "$sh" "$sn" "$bh" "$bn"
done
echo
echo "selective: each interrupt woke only its owner.  broadcast: every client with"
echo "a device on the line ran its handlers, and all but one found nothing to do."
