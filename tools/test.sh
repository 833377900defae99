#!/usr/bin/env bash
# README quick start (b) and .ci/run: install what is needed, build twice (optimised, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), run every test in both, smoke-run the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
jobs=$(nproc)

echo "== build (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDCVKIT_BUILD_TESTS=ON -DDCVKIT_BUILD_BENCH=ON >/dev/null
cmake --build build -j "$jobs"
echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DDCVKIT_SANITIZE=ON -DDCVKIT_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
echo "== tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== benchmark smoke runs (full runs: build/bench/bench_token, build/bench/bench_order)"
./build/bench/bench_token --tokens 20000 --rounds 1
./build/bench/bench_order --names 20 --workers 2
