#!/bin/bash
# check-intx-sim.sh - intx-sim show --json prints valid JSON whatever the
# device's path holds: quotes, backslashes, control characters, bytes that
# are not UTF-8.  python3 parses it and gets the path back.
#
# Skipped (77) without python3.  Environment: INTX_SIM (the built program).
set -eu

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 is not installed"
	exit 77
fi
: "${INTX_SIM:?set INTX_SIM to the built intx-sim}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-intx-sim.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }

# NAME DIR EXPECTED: show --json DIR is one JSON object whose path is EXPECTED
check() {
	local name=$1 dir=$2 want=$3 out
	if ! "$INTX_SIM" create "$dir" >/dev/null 2>"$tmp/err"; then
		fail "$name" "intx-sim create: $(cat "$tmp/err")"
		return
	fi
	out=$("$INTX_SIM" show --json "$dir")
	if printf '%s' "$out" | WANT=$want python3 -c '
import json, os, sys
o = json.loads(sys.stdin.buffer.read())
assert o["path"] == os.environ["WANT"], repr(o["path"])
assert o["vendor"] == 0x1234 and o["asserting"] is False, o
' 2>"$tmp/err"; then
		pass "$name"
	else
		fail "$name" "$(printf '%s' "$out" | od -c | head -3; tail -1 "$tmp/err")"
	fi
}

check plain "$tmp/sim0" "$tmp/sim0"
check quote-backslash "$tmp/a\"b\\c" "$tmp/a\"b\\c"
check control "$tmp/tab	new
line" "$tmp/tab	new
line"
check utf8 "$tmp/gerät" "$tmp/gerät"
check not-utf8 "$tmp/x$(printf '\377')y" "$tmp/x$(printf '\357\277\275')y"

echo "check-intx-sim.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
