#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang, ASan+UBSan) in build-fuzz and runs each one
# for SECONDS_PER_TARGET (default 60) on its seed corpus. Fails on any crash, leak, timeout or
# out-of-memory; the input that did it is kept in build-fuzz/fuzz-artifacts/<target>/ — copy it to
# tests/fuzz/regressions/<target>/ and fix the bug (tests/test_fuzz_regressions.cpp replays it).
#   tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      e.g. tools/fuzz.sh 20   tools/fuzz.sh 300 csr_load
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
case "$seconds" in '' | *[!0-9]*) echo "fuzz.sh: SECONDS_PER_TARGET must be a number, not '$seconds'" >&2; exit 2 ;; esac
build="${DCVKIT_FUZZ_BUILD_DIR:-build-fuzz}"
started=$(date +%s)

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_NOHASHDIR=1
# -O1 with line tables, as libFuzzer recommends (and much quicker to build than -O2 -g); no NDEBUG,
# so assertions (Result::value() on an error, ...) are checked too.
# DCVKIT_FUZZ_REUSE_BUILD=1: $build is already configured with DCVKIT_FUZZ=ON (tools/test.sh's
# clang ASan build), so its targets are used as they are, not configured again.
if [ "${DCVKIT_FUZZ_REUSE_BUILD:-0}" = 1 ] && grep -q '^DCVKIT_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "fuzz.sh: the targets of $build"
else
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_CXX_FLAGS_FUZZ="-O1 -gline-tables-only" \
    -DDCVKIT_FUZZ=ON \
    -DDCVKIT_BUILD_TESTS=OFF -DDCVKIT_BUILD_BENCH=OFF -DDCVKIT_BUILD_EXAMPLES=OFF "${launcher[@]}" >/dev/null
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in tests/fuzz/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$build" -j"${DCVKIT_FUZZ_JOBS:-2}" --target "${targets[@]/#/fuzz_}"
built=$(date +%s)
echo "fuzz.sh: built ${#targets[@]} targets in $((built - started)) s"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  work="$build/fuzz-corpus/$t"        # what the fuzzer adds; the checked-in seeds stay untouched
  artifacts="$build/fuzz-artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  seeds=()
  for d in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do [ -d "$d" ] && seeds+=("$d"); done
  dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
  echo "fuzz.sh: $t for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 -print_final_stats=1 \
      -artifact_prefix="$artifacts" "${dict[@]}" "$work" "${seeds[@]}" >"$build/fuzz-$t.log" 2>&1; then
    failed+=("$t")
    echo "fuzz.sh: $t FAILED; log: $build/fuzz-$t.log; input(s): $(ls "$artifacts" | tr '\n' ' ')" >&2
    grep -E "ERROR|SUMMARY|runtime error|==[0-9]+==" "$build/fuzz-$t.log" | head -20 >&2 || true
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz-$t.log" | tr '\n' ' ' | sed 's/^/  /'
    echo
  fi
done
echo "fuzz.sh: ${#targets[@]} targets, $(( $(date +%s) - built )) s fuzzing, $(( $(date +%s) - started )) s in all"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no crash, leak or timeout"
