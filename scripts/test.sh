#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. install the Debian packages (scripts/setup.sh), unless UPDOWN_NO_SETUP=1;
#   2. build and run every ctest test, plain (gcc, RelWithDebInfo);
#   3. the same with AddressSanitizer + UndefinedBehaviorSanitizer;
#   4. build the libFuzzer targets with clang and run each for a bounded time
#      (UPDOWN_FUZZ_SECONDS, default 30) on a copy of its seed corpus.
# Build trees go to $UPDOWN_BUILD (default ./build). Exit status: 0 only if
# every step passed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${UPDOWN_BUILD:-$top/build}
jobs=$(nproc 2>/dev/null || echo 2)

if [ "${UPDOWN_NO_SETUP:-0}" != 1 ]; then
	echo "== setup: installing Debian packages"
	"$top/scripts/setup.sh"
fi

step() { echo; echo "== $*"; }

step "plain build"
cmake -S "$top" -B "$build/plain" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build/plain" -j"$jobs"
step "tests (plain)"
ctest --test-dir "$build/plain" --output-on-failure -j"$jobs"

step "ASan+UBSan build"
cmake -S "$top" -B "$build/asan" -DCMAKE_BUILD_TYPE=Debug -DUPDOWN_SANITIZE=ON >/dev/null
cmake --build "$build/asan" -j"$jobs"
step "tests (ASan+UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir "$build/asan" --output-on-failure -j"$jobs"

step "libFuzzer build (clang)"
CC=clang cmake -S "$top" -B "$build/fuzz" -DCMAKE_BUILD_TYPE=Debug -DUPDOWN_FUZZ=ON >/dev/null
cmake --build "$build/fuzz" -j"$jobs"
secs=${UPDOWN_FUZZ_SECONDS:-30}
fuzzed=0
for f in "$build"/fuzz/tests/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	work=$(mktemp -d)
	cp -R "$top/tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
	step "fuzz $name for ${secs}s"
	"$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 "$work" 2>"$work.log" || {
		tail -50 "$work.log"; echo "fuzz $name: FAILED"; exit 1; }
	grep -E '^(stat::number_of_executed_units|Done)' "$work.log" || true
	rm -rf "$work" "$work.log"
	fuzzed=$((fuzzed + 1))
done
echo
echo "== all done: plain and sanitizer test runs passed, $fuzzed fuzz targets ran ${secs}s each"
