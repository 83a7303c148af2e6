#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh OUTDIR - the intxd benchmark (make bench): runs tests/bench/bench
# (the real intxd, real libintx clients, and the floor programs), keeps the
# table, the CSV and the latency quantiles in OUTDIR and plots them with
# gnuplot (installed from Debian with apt-get when missing, as is
# liburing-dev, which configure needs to build the io_uring relay floor:
# rerun configure after that first install).  It reports;
# it never fails on a number.  Needs root and strace (the system-call
# counts); about a minute on 2 vCPUs.  BENCH_ARGS passes options to the
# driver: --quick, --reps N (default 5), --busy-limit PCT (default 10),
# --core (only the repeated intxd/floor comparison, hops and system calls),
# --scale-only (only scale.sh: intxd at the config's limits, issue 11).
set -eu

out=${1:-bench-results}
here=$(cd "$(dirname "$0")" && pwd)
: "${INTXD:?set INTXD (run through make bench)}"
: "${BENCH:?set BENCH}"
: "${BENCH_CLIENT:?set BENCH_CLIENT}"

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: the benchmark needs root (sim devices, uid 0 clients, pinning)" >&2
	exit 1
fi
mkdir -p "$out"
case " ${BENCH_ARGS:-} " in *" --scale-only "*) exec sh "$here/scale.sh" "$out" ;; esac

missing=
command -v gnuplot >/dev/null 2>&1 || missing="gnuplot-nox"
pkg-config --exists liburing 2>/dev/null || missing="$missing liburing-dev"
if [ -n "$missing" ]; then
	echo "run.sh: installing$missing (apt-get)" >&2
	# shellcheck disable=SC2086 # a list of package names
	if ! { apt-get update >"$out/apt.log" 2>&1 &&
	       DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			$missing >>"$out/apt.log" 2>&1; }; then
		echo "run.sh: could not install$missing (see $out/apt.log)" >&2
	fi
	case "$missing" in *liburing-dev*)
		pkg-config --exists liburing 2>/dev/null &&
			echo "run.sh: liburing-dev installed: the io_uring floor is built" \
			     "after ./configure is run again" >&2 ;;
	esac
fi

export INTXD BENCH_CLIENT
start=$(date +%s)
"$BENCH" --out "$out" ${BENCH_ARGS:-} | tee "$out/table.txt"
end=$(date +%s)

if command -v gnuplot >/dev/null 2>&1; then
	gnuplot -e "dir='$out'" -e "out='$out/latency.png'" "$here/plot.gp" &&
		echo "plot: $out/latency.png"
fi
echo "csv: $out/bench.csv  table: $out/table.txt  wall time: $((end - start)) s"
case " ${BENCH_ARGS:-} " in *" --core "*) ;; *) sh "$here/scale.sh" "$out" ;; esac
