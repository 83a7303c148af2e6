#!/bin/bash
# check-man.sh - the man pages: clean under `mandoc -T lint`, and complete:
#
#   lint        every page in man/, warnings and worse (style notes depend
#               on the host's mandoc.db, so they are not counted)
#   conf-keys   every key of src/intxd/conf.c is in intxd.conf(5)
#   lib-calls   every call of src/libintx/intx.h is in libintx(3)
#   ctl-cmds    every command of src/intxctl/intxctl.c is in intxctl(8)
#   ctl-opts    and every option a command takes (discover --probe, ...)
#   sim-cmds    every command of src/intx-sim/intx-sim.c is in intx-sim(1)
#   programs    every installed program has a page, and every page is
#               installed (man/Makefile.inc)
#
# Skipped (77) when mandoc is missing.  Environment: TOP_SRCDIR.
set -eu

top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIP: mandoc is not installed"
	exit 77
fi

passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }

pages=("$top"/man/*.[1-9])
if [ ! -e "${pages[0]}" ]; then
	echo "check-man.sh: no man pages in $top/man" >&2
	exit 99
fi
for page in "${pages[@]}"; do
	name=lint:${page##*/}
	if out=$(mandoc -T lint -W warning "$page" 2>&1) && [ -z "$out" ]; then
		pass "$name"
	else
		fail "$name" "mandoc -T lint:"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
done

# complete NAME PAGE MACRO WORD...: each WORD is a MACRO argument in PAGE
complete() {
	local name=$1 page=$top/man/$2 macro=$3 w missing=""
	shift 3
	if [ "$#" -eq 0 ]; then
		fail "$name" "found nothing to look for (did the source change shape?)"
		return
	fi
	for w; do
		grep -q -E "^\\.(It )?$macro $w( |\$)|^\\.It $macro $w( |\$)" "$page" ||
			missing="$missing $w"
	done
	if [ -z "$missing" ]; then
		pass "$name ($# documented)"
	else
		fail "$name" "not in ${page##*/}:$missing"
	fi
}

# [K_SOCKET] = { "socket", ...
mapfile -t keys < <(sed -n 's/^[[:space:]]*\[K_[A-Z_]*\] = { "\([a-z-]*\)".*/\1/p' "$top/src/intxd/conf.c")
complete conf-keys intxd.conf.5 Cm "${keys[@]}"

mapfile -t calls < <(sed -n 's/^[a-z].*[ *]\(intx_[a-z_]*\)(.*/\1/p' "$top/src/libintx/intx.h")
complete lib-calls libintx.3 Fn "${calls[@]}"

# .name = "status",
mapfile -t cmds < <(sed -n 's/^[[:space:]]*\.name = "\([a-z-]*\)",.*/\1/p' "$top/src/intxctl/intxctl.c")
complete ctl-cmds intxctl.8 Cm "${cmds[@]}"

# strcmp(a, "--probe"): every option intxctl takes after its command
mapfile -t copts < <(sed -n 's/.*strcmp(a, "--\([a-z][a-z-]*\)").*/\1/p' "$top/src/intxctl/intxctl.c" | sort -u)
if [ "${#copts[@]}" -eq 0 ]; then
	fail ctl-opts "found no command options (did the source change shape?)"
else
	missing=""
	for o in "${copts[@]}"; do
		grep -q -E "Fl -$o( |\$)" "$top/man/intxctl.8" || missing="$missing --$o"
	done
	if [ -z "$missing" ]; then
		pass "ctl-opts (${#copts[@]} documented)"
	else
		fail ctl-opts "not in intxctl.8:$missing"
	fi
fi

# "usage: intx-sim create DIR ..." and "       intx-sim raise DIR..."
mapfile -t simcmds < <(sed -n 's/^[[:space:]]*"\(usage: \)\{0,1\}[[:space:]]*intx-sim \([a-z]*\) .*/\2/p' \
	"$top/src/intx-sim/intx-sim.c")
complete sim-cmds intx-sim.1 Cm "${simcmds[@]}"

# bin_PROGRAMS += src/intx-sim/intx-sim  ->  intx-sim.1 or intx-sim.8
mapfile -t progs < <(sed -n 's|^s\{0,1\}bin_PROGRAMS += .*/\([a-z-]*\)$|\1|p' "$top/Makefile.am")
missing=""
for p in "${progs[@]}"; do
	[ -e "$top/man/$p.1" ] || [ -e "$top/man/$p.8" ] || missing="$missing $p"
done
for page in "${pages[@]}"; do
	grep -q "man/${page##*/}\( \|\$\)" "$top/man/Makefile.inc" || missing="$missing ${page##*/}(not installed)"
done
if [ "${#progs[@]}" -eq 0 ]; then
	fail programs "found no programs in Makefile.am (did it change shape?)"
elif [ -z "$missing" ]; then
	pass "programs (${#progs[@]} programs, ${#pages[@]} pages)"
else
	fail programs "no man page or not installed:$missing"
fi

echo "check-man.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
