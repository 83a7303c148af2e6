#!/bin/bash
# run.sh [SECONDS] - build the libFuzzer targets with clang (ASan+UBSan) and
# run each for SECONDS (default 30) on its committed seed corpus.  New inputs
# go to a scratch directory, not into the tree.  Exit non-zero on a crash.
set -euo pipefail
secs=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-/tmp/intxd-fuzz}
mkdir -p "$out"
command -v clang >/dev/null || { echo "run.sh: clang missing (contrib/deps.sh --test)"; exit 77; }

cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-D_GNU_SOURCE -DSYSCONFDIR=\"/etc\" -DPKGVERSION=\"fuzz\"
	-I"$top/src/shared" -I"$top/src/intxd")
clang "${cflags[@]}" -o "$out/fuzz-proto" "$top/tests/fuzz/fuzz-proto.c" "$top/src/shared/proto.c"
# the protocol's seeds come from its own table: one valid message per type
clang -g -O1 -D_GNU_SOURCE -I"$top/src/shared" -o "$out/mkseeds" \
	"$top/tests/fuzz/mkseeds.c" "$top/src/shared/proto.c"
rm -rf "$out/corpus-proto"
mkdir -p "$out/corpus-proto"
"$out/mkseeds" "$out/corpus-proto"
cp "$top/tests/fuzz/corpus-proto/"* "$out/corpus-proto/"
clang "${cflags[@]}" $(pkg-config --cflags inih) -o "$out/fuzz-conf" \
	"$top/tests/fuzz/fuzz-conf.c" "$top/src/intxd/conf.c" "$top/src/shared/proto.c" \
	"$top/src/shared/cpulist.c" \
	$(pkg-config --libs inih)

status=0
for t in proto conf; do
	mkdir -p "$out/new-$t"
	corpus=$top/tests/fuzz/corpus-$t
	[ "$t" = proto ] && corpus=$out/corpus-proto
	echo "=== fuzz-$t: $secs s"
	if ! "$out/fuzz-$t" -max_total_time="$secs" -max_len=4096 -timeout=10 \
		-artifact_prefix="$out/crash-$t-" \
		"$out/new-$t" "$corpus" 2>"$out/fuzz-$t.log"; then
		echo "fuzz-$t: FAILED, see $out/fuzz-$t.log and $out/crash-$t-*"
		tail -30 "$out/fuzz-$t.log"
		status=1
	fi
	grep -E '^(#[0-9]+).*(DONE|pulse)' "$out/fuzz-$t.log" | tail -1
	grep -E '^Done [0-9]+ runs' "$out/fuzz-$t.log" || true
done
exit $status
