#!/usr/bin/env bash
# README quick start (b) and .ci/run: install what is needed, then
#   1. optimised build, every test, the packaging test (cmake --install, .deb via apt, consumers);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, every test but the slowest repeats;
#   3. ThreadSanitizer build, the same tests (also tools/tsan.sh);
#   4. libFuzzer targets, time-boxed (DCVKIT_FUZZ_SECONDS per target, default 10);
#   5. clang-tidy and cppcheck on src/ and tools/, every finding an error (tools/lint.sh);
#   6. smoke runs of the benchmarks.
# DCVKIT_TEST_STAGES (default "plain asan tsan fuzz lint bench") picks stages, e.g. "plain" or "tsan".
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
jobs=$(nproc)
stages=" ${DCVKIT_TEST_STAGES:-plain asan tsan fuzz lint bench} "
want() { [[ "$stages" == *" $1 "* ]]; }
t0=$(date +%s)
# Some suites run once, in the plain stage:
#  - the slowest: they repeat one single-threaded path a million times (the token vectors through
#    the executable, the million-line manifests) and take 2-4 min each under a sanitizer;
#  - the documentation's own checks (docs, man page, completion, --help option audit): they start
#    the executable hundreds of times to read its --help, which tells nothing a sanitizer can see
#    (2 min of ASan time).
# DCVKIT_SANITIZER_SKIP='' runs them there too.
sanitizer_skip=${DCVKIT_SANITIZER_SKIP-'^CliVectors\.|AMillionLine|^Docs|^ManPage\.|^Completion\.|^SecretsArgv\.NoOption'}
skip_args=()
[ -n "$sanitizer_skip" ] && skip_args=(-E "$sanitizer_skip")
elapsed() { echo "   ($(( $(date +%s) - t0 )) s since start)"; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# One cache for every checkout: paths are rewritten relative to the tree, and the working directory
# is not hashed, so a fresh clone in another folder hits what the last build compiled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
# Debug information as line tables only (GCC -g1, clang -gline-tables-only): backtraces and every
# sanitizer report still name function, file and line, and the builds take a third less time
# than with -g (measured on the heaviest files). A developer's own build keeps CMake's -g.

if want plain || want bench; then
  echo "== build (RelWithDebInfo)"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-g1 -O2 -DNDEBUG" \
    -DDCVKIT_BUILD_TESTS=ON -DDCVKIT_BUILD_BENCH=ON "${launcher[@]}" >/dev/null
  cmake --build build -j "$jobs"
  elapsed
fi
if want plain; then
  echo "== tests"
  ctest --test-dir build --output-on-failure -j "$jobs"
  echo "== packaging: cmake --install, find_package + pkg-config consumers, cpack -G DEB, apt-get install"
  bash tools/package-test.sh build
  elapsed
fi

if want asan; then
  echo "== build (ASan + UBSan, clang; with the fuzz targets when the fuzz stage runs)"
  # clang, so that one build serves both stages: the libFuzzer targets link the same ASan+UBSan
  # library objects (instrumented for coverage too) instead of a second clang build of the library.
  fuzz_here=OFF
  want fuzz && fuzz_here=ON
  cmake -S . -B build-asan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" \
    -DDCVKIT_SANITIZE=ON -DDCVKIT_FUZZ="$fuzz_here" -DDCVKIT_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
  cmake --build build-asan -j "$jobs"
  echo "== tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" "${skip_args[@]}"
  elapsed
fi

if want tsan; then
  bash tools/tsan.sh "${skip_args[@]}"
  elapsed
fi

if want fuzz; then
  echo "== fuzzing (${DCVKIT_FUZZ_SECONDS:-10} s per target; full runs: tools/fuzz.sh 60)"
  # The ASan stage built the targets already (build-asan); alone, fuzz.sh makes its own build.
  if want asan; then export DCVKIT_FUZZ_BUILD_DIR=build-asan DCVKIT_FUZZ_REUSE_BUILD=1; fi
  bash tools/fuzz.sh "${DCVKIT_FUZZ_SECONDS:-10}"
  elapsed
fi

if want lint; then
  bash tools/lint.sh
  elapsed
fi

if want bench; then
  echo "== benchmark smoke runs (full runs: build/bench/bench_token, bench_order, bench_run, bench_check, bench_publish, bench_acme)"
  ./build/bench/bench_token --tokens 20000 --rounds 1
  ./build/bench/bench_order --names 20 --workers 2
  ./build/bench/bench_run --certs 20
  ./build/bench/bench_publish --names 50
  ./build/bench/bench_acme --quick    # 3 certificates per client (lego alone takes ~6 s each): ~40 s
  elapsed
fi
echo "== all stages passed:$stages($(( $(date +%s) - t0 )) s)"
