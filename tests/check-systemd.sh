#!/bin/bash
# check-systemd.sh - the systemd units and intxd's side of the service
# manager's protocols, without a service manager:
#
#   verify       systemd-analyze verify on the generated units (ExecStart=
#                pointed at the built intxd, the man pages of this tree)
#   security     systemd-analyze security --offline=true: exposure <= 2.0
#   activation   systemd-socket-activate --seqpacket hands intxd its socket;
#                intxctl status gets an answer through it
#   ready        READY=1 and STATUS= arrive on a NOTIFY_SOCKET of our own
#   reload       ExecReload= is intxctl reload, which fails (saying every
#                problem) on a broken config and succeeds on a good one
#   watchdog     WATCHDOG=1 keeps arriving when WATCHDOG_USEC is set, and
#                never when it is not
#   restart      intxctl restart: intxd executes itself again in the same
#                process and serves on the socket it inherited
#   restart-watchdog  and the new image keeps the watchdog fed
#
# A check whose tool is missing is skipped; exit 77 when all were.
# Environment: INTXD, INTXCTL, INTX_SIM (built programs), TOP_SRCDIR,
# TOP_BUILDDIR (default: the current directory, where automake runs us).
set -eu

top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${TOP_BUILDDIR:-$PWD}
for v in INTXD INTXCTL INTX_SIM; do
	if [ ! -x "${!v:-}" ]; then
		echo "check-systemd.sh: $v must name a built program (got '${!v:-}')" >&2
		exit 99
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-systemd.XXXXXX")
pids=()
# stop PID: SIGTERM, SIGKILL if it is still there after 5 s; reap it
stop() {
	local i
	kill "$1" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "    pid $1 ignored SIGTERM for 5 s: killed" >&2
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
}
cleanup() {
	local p
	for p in "${pids[@]}"; do
		stop "$p"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0 skipped=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP: $1: $2"; skipped=$((skipped + 1)); }
have() { command -v "$1" >/dev/null 2>&1; }

units_ok=true
for u in intxd.service intxd.socket; do
	if [ ! -f "$build/systemd/$u" ]; then
		fail "units" "$build/systemd/$u was not generated"
		units_ok=false
	fi
done

# --- verify
check_verify() {
	local d=$tmp/units man=--man=no s

	mkdir -p "$d" "$tmp/man/man3" "$tmp/man/man5" "$tmp/man/man8"
	# quoted: the build tree may be in a path with a space
	sed -e "s|^ExecStart=.*|ExecStart=\"$INTXD\"|" \
	    -e "s|^ExecReload=[^ ]*|ExecReload=\"$INTXCTL\"|" \
	    "$build/systemd/intxd.service" >"$d/intxd.service"
	cp "$build/systemd/intxd.socket" "$d/intxd.socket"
	if grep -q '@[a-z]*@' "$d/intxd.service" "$d/intxd.socket"; then
		fail verify "unsubstituted @variables@ in the units"
		return
	fi
	# Documentation=man:... must name pages of this tree
	if have man && [ -s "$top/man/intxd.8" ]; then
		for s in 3 5 8; do
			for f in "$top"/man/*."$s"; do
				[ -e "$f" ] && ln -s "$f" "$tmp/man/man$s/"
			done
		done
		man=--man=yes
	fi
	if MANPATH=$tmp/man systemd-analyze verify "$man" "$d/intxd.socket" "$d/intxd.service" \
		>"$tmp/verify.out" 2>&1; then
		pass verify
	else
		fail verify "systemd-analyze verify:"
		sed 's/^/    /' "$tmp/verify.out"
	fi
}

# --- security
check_security() {
	local score

	if ! systemd-analyze security --offline=true "$build/systemd/intxd.service" \
		>"$tmp/security.out" 2>&1; then
		if grep -q -i 'unrecognized option\|unknown option' "$tmp/security.out"; then
			skip security "this systemd-analyze has no --offline"
		else
			fail security "systemd-analyze security failed:"
			sed 's/^/    /' "$tmp/security.out"
		fi
		return
	fi
	score=$(sed -n 's/.*Overall exposure level for intxd.service: \([0-9.]*\).*/\1/p' "$tmp/security.out")
	if [ -z "$score" ]; then
		fail security "no exposure level in the output"
	elif awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
		echo "    exposure $score"
		pass security
	else
		fail security "exposure $score, expected at most 2.0"
		grep '✗' "$tmp/security.out" | sed 's/^/    /' || true
	fi
}

# A datagram listener on NOTIFY_SOCKET $1: every message, one field per
# line, appended to $2 as it arrives.
notify_listener() {
	python3 - "$1" "$2" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    out.write("LISTENING\n"); out.flush()
    while True:
        out.write(s.recv(4096).decode(errors="replace") + "\n"); out.flush()
PY
	pids+=($!)
	wait_for "$2" LISTENING 50 || return 1
}

# wait_for FILE PATTERN TENTHS: until FILE has a line PATTERN (grep -E -x).
wait_for() {
	local i
	for ((i = 0; i < $3; i++)); do
		grep -q -E -x "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# activate NAME [VAR=VALUE...]: intxd behind systemd-socket-activate on
# $tmp/NAME.sock, notifying $tmp/NAME.notify (log: $tmp/NAME.notes);
# sets $apid.
activate() {
	local name=$1 e=()
	shift
	for v in "$@"; do
		e+=(-E "$v")
	done
	notify_listener "$tmp/$name.notify" "$tmp/$name.notes" || return 1
	systemd-socket-activate --seqpacket -l "$tmp/$name.sock" \
		-E "NOTIFY_SOCKET=$tmp/$name.notify" ${e[@]+"${e[@]}"} \
		"$INTXD" -c "$tmp/intxd.conf" >"$tmp/$name.log" 2>&1 &
	apid=$!
	pids+=("$apid")
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$tmp/$name.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

# systemctl reload runs ExecReload=: it must fail on a broken config
check_reload() {
	local cmd

	cmd=$(sed -n 's/^ExecReload=//p' "$build/systemd/intxd.service")
	case $cmd in
	*/intxctl\ reload) ;;
	*)
		fail reload "ExecReload= is '$cmd', not intxctl reload"
		return
		;;
	esac
	cp "$tmp/intxd.conf" "$tmp/good.conf"
	printf '[intxd]\nmode = sideways\nstorm-limit = lots\n' >>"$tmp/intxd.conf"
	if "$INTXCTL" --socket "$tmp/plain.sock" reload >"$tmp/reload.out" 2>&1; then
		fail reload "intxctl reload succeeded on a broken config"
	elif ! grep -q "'sideways'" "$tmp/reload.out" || ! grep -q "'lots'" "$tmp/reload.out"; then
		fail reload "not every problem was reported:"
		sed 's/^/    /' "$tmp/reload.out"
	else
		cp "$tmp/good.conf" "$tmp/intxd.conf"
		if "$INTXCTL" --socket "$tmp/plain.sock" reload >"$tmp/reload.out" 2>&1; then
			pass reload
		else
			fail reload "intxctl reload failed on a good config:"
			sed 's/^/    /' "$tmp/reload.out"
		fi
	fi
	cp "$tmp/good.conf" "$tmp/intxd.conf"
}

check_daemon() {
	local n i

	"$INTX_SIM" create "$tmp/sim0" >/dev/null
	cat >"$tmp/intxd.conf" <<-CONF
	[intxd]
	socket = $tmp/not-used.sock

	[device sim0]
	backend = sim
	path = $tmp/sim0
	CONF

	# activation + ready, without a watchdog
	if ! activate plain; then
		fail activation "systemd-socket-activate did not listen"
		return
	fi
	if "$INTXCTL" --socket "$tmp/plain.sock" status >"$tmp/status.out" 2>&1 &&
	   [ ! -e "$tmp/not-used.sock" ]; then
		pass activation
	else
		fail activation "intxctl status through the activated socket:"
		sed 's/^/    /' "$tmp/status.out" "$tmp/plain.log"
	fi
	if wait_for "$tmp/plain.notes" 'READY=1' 50 && grep -q '^STATUS=.' "$tmp/plain.notes"; then
		pass ready
	else
		fail ready "no READY=1 and STATUS= on NOTIFY_SOCKET:"
		sed 's/^/    /' "$tmp/plain.notes"
	fi
	check_reload
	sleep 0.5
	stop "$apid"
	if grep -q '^WATCHDOG=1' "$tmp/plain.notes"; then
		fail watchdog-off "WATCHDOG=1 sent without WATCHDOG_USEC"
	else
		pass watchdog-off
	fi

	# with a 200 ms watchdog: a keep-alive every 100 ms
	if ! activate wd WATCHDOG_USEC=200000; then
		fail watchdog "systemd-socket-activate did not listen"
		return
	fi
	"$INTXCTL" --socket "$tmp/wd.sock" status >/dev/null 2>&1 || true
	wait_for "$tmp/wd.notes" 'READY=1' 50 || true
	sleep 1
	n=$(grep -c '^WATCHDOG=1' "$tmp/wd.notes" || true)
	# still serving after it
	if [ "$n" -ge 5 ] && "$INTXCTL" --socket "$tmp/wd.sock" status >/dev/null 2>&1; then
		echo "    $n keep-alives in 1 s"
		pass watchdog
	else
		fail watchdog "$n WATCHDOG=1 in 1 s with WATCHDOG_USEC=200000, expected at least 5"
		sed 's/^/    /' "$tmp/wd.notes" "$tmp/wd.log"
	fi
	stop "$apid"

	# WATCHDOG_PID naming another process: not for us
	if ! activate other WATCHDOG_USEC=200000 WATCHDOG_PID=1; then
		fail watchdog-pid "systemd-socket-activate did not listen"
		return
	fi
	"$INTXCTL" --socket "$tmp/other.sock" status >/dev/null 2>&1 || true
	wait_for "$tmp/other.notes" 'READY=1' 50 || true
	sleep 0.5
	stop "$apid"
	if grep -q '^WATCHDOG=1' "$tmp/other.notes"; then
		fail watchdog-pid "WATCHDOG=1 sent although WATCHDOG_PID is another process"
	else
		pass watchdog-pid
	fi

	# intxctl restart: the same process executes intxd again and goes on
	# serving on the socket it was given (the vfio fds it keeps are
	# tested in the VM test); with a watchdog, whose timer the new image
	# must arm again
	if ! activate re WATCHDOG_USEC=200000; then
		fail restart "systemd-socket-activate did not listen"
		return
	fi
	if "$INTXCTL" --socket "$tmp/re.sock" restart >"$tmp/re.out" 2>&1 &&
	   "$INTXCTL" --socket "$tmp/re.sock" status >>"$tmp/re.out" 2>&1 &&
	   kill -0 "$apid" 2>/dev/null &&
	   grep -q 'executing again.* and the socket' "$tmp/re.log" &&
	   [ "$(grep -c 'ready on an inherited socket' "$tmp/re.log")" = 2 ]; then
		pass restart
	else
		fail restart "intxctl restart, then status through the same socket:"
		sed 's/^/    /' "$tmp/re.out" "$tmp/re.log"
	fi
	# two keep-alives after the new image's READY=1: one at least from its
	# timer (watchdog_start sends one at once)
	for ((i = 0; i < 100; i++)); do
		n=$(awk '/^READY=1$/ { r++; w = 0 } r == 2 && /^WATCHDOG=1$/ { w++ }
			 END { print w + 0 }' "$tmp/re.notes")
		[ "$n" -ge 2 ] && break
		sleep 0.1
	done
	if [ "$n" -ge 2 ]; then
		pass restart-watchdog
	else
		fail restart-watchdog "$n WATCHDOG=1 after the restarted intxd's READY=1:"
		sed 's/^/    /' "$tmp/re.notes"
	fi
	stop "$apid"
}

if ! have systemd-analyze; then
	skip verify "no systemd-analyze"
	skip security "no systemd-analyze"
elif $units_ok; then
	check_verify
	check_security
fi

if ! have systemd-socket-activate; then
	skip activation "no systemd-socket-activate"
elif ! have python3; then
	skip activation "no python3 for a NOTIFY_SOCKET listener"
else
	check_daemon
fi

echo "check-systemd.sh: $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ]; then
	exit 1
fi
if [ "$passed" -eq 0 ]; then
	exit 77
fi
exit 0
