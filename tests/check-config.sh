#!/bin/bash
# check-config.sh - every config fixture through the real `intxd --check-config`.
#
#   tests/conf/ok-*.conf   must be accepted: exit 0, "configuration OK";
#                          so must the installed example, conf/intxd.conf.
#   tests/conf/bad-*.conf  must be refused with exit 1, and stderr must hold
#                          the line announced by the fixture's first line:
#                              ; expect: LINE: PROBLEM
#                          which is looked for as "FIXTURE:LINE: PROBLEM"
#                          (FIXTURE: the path given to -c).  In PROBLEM,
#                          @FILE@ stands for that path.  An expectation that
#                          starts with ".d/" is about a drop-in of the fixture
#                          and is looked for as "FIXTURE.d/...".
#
# A fixture FOO.conf may come with its drop-in directory FOO.conf.d/.
# Environment: INTXD (the daemon binary), TOP_SRCDIR (the source tree;
# default: this script's parent directory).
set -eu

top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
intxd=${INTXD:-}
if [ -z "$intxd" ] || [ ! -x "$intxd" ]; then
	echo "check-config.sh: INTXD must name the intxd binary (got '${intxd}')" >&2
	exit 99 # automake: a hard error, not a failure of the tests
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-config.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

pass() {
	echo "PASS: $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL: $1: $2"
	failed=$((failed + 1))
	if [ -s "$tmp/err" ]; then
		sed 's/^/    stderr: /' "$tmp/err"
	fi
}

run() {
	rc=0
	"$intxd" --check-config -c "$1" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
}

check_ok() {
	local f=$1 name=${1#"$top"/}

	run "$f"
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc, expected 0"
	elif ! grep -q "configuration OK" "$tmp/out" "$tmp/err"; then
		fail "$name" "no 'configuration OK' in the output"
	else
		pass "$name"
	fi
}

check_bad() {
	local f=$1 name=${1#"$top"/} first expect needle

	first=$(head -n 1 "$f")
	if [[ $first != "; expect: "* ]]; then
		rc=0
		: >"$tmp/err"
		fail "$name" "first line is not '; expect: LINE: PROBLEM'"
		return
	fi
	expect=${first#"; expect: "}
	expect=${expect//@FILE@/$f}
	if [[ $expect == .d/* ]]; then
		needle="$f$expect"
	else
		needle="$f:$expect"
	fi

	run "$f"
	if [ "$rc" -ne 1 ]; then
		fail "$name" "exit status $rc, expected 1"
	elif [[ $(cat "$tmp/err") != *"$needle"* ]]; then
		fail "$name" "stderr lacks '$needle'"
	else
		pass "$name"
	fi
}

shopt -s nullglob
ok=("$top"/tests/conf/ok-*.conf)
bad=("$top"/tests/conf/bad-*.conf)
if [ ${#ok[@]} -eq 0 ] || [ ${#bad[@]} -eq 0 ]; then
	echo "check-config.sh: no fixtures in $top/tests/conf" >&2
	exit 99
fi

for f in "${ok[@]}" "$top/conf/intxd.conf"; do
	check_ok "$f"
done
for f in "${bad[@]}"; do
	check_bad "$f"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
