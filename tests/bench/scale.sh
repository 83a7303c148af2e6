#!/bin/sh
# SPDX-License-Identifier: MIT
# scale.sh OUTDIR - intxd at the config's limits (issue 11; make bench runs
# it after the core part, BENCH_ARGS=--scale-only alone): runs
# tests/bench/scale (1024 sim devices on 64 lines, 1024 clients with a
# session each) and keeps its table and CSV in OUTDIR.  It reports; it
# never fails on a number.  Needs root.  From BENCH_ARGS it takes --quick,
# --reps N (at least 3 here) and --busy-limit PCT; SCALE_ARGS passes
# anything else to the driver (--devices N, --lines N, --rounds N).
set -eu

out=${1:-bench-results}
: "${INTXD:?set INTXD (run through make bench)}"
: "${INTXCTL:?set INTXCTL}"
: "${SCALE:?set SCALE}"
: "${BENCH_CLIENT:?set BENCH_CLIENT}"

if [ "$(id -u)" -ne 0 ]; then
	echo "scale.sh: the benchmark needs root (sim devices, uid 0 clients)" >&2
	exit 1
fi
mkdir -p "$out"

args=""
reps=3
# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
set -- ${BENCH_ARGS:-}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) args="$args --quick" ;;
	--reps) reps=$2; shift ;;
	--busy-limit) args="$args --busy-limit $2"; shift ;;
	esac
	shift
done
[ "$reps" -ge 3 ] || reps=3

# intxd needs about 3 fds a session and 2 a sim device, the client
# process 2 a session and 1 a device: the unit's LimitNOFILE, not a
# login shell's 1024
# shellcheck disable=SC3045 # dash, bash and busybox sh all have -n and -H
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

export INTXD INTXCTL BENCH_CLIENT
start=$(date +%s)
# shellcheck disable=SC2086 # word splitting of the options is meant
"$SCALE" --out "$out" --reps "$reps" $args ${SCALE_ARGS:-} | tee "$out/scale.txt"
end=$(date +%s)
echo "scale: $out/scale.txt  wall time: $((end - start)) s"
