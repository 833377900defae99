#!/usr/bin/env bash
# README quick start (b) and .ci/run: install what is needed, then
#   1. optimised build, every test, the packaging test (cmake --install, .deb via apt, consumers);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, every test but the slowest repeats;
#   3. libFuzzer targets, time-boxed (DCVKIT_FUZZ_SECONDS per target, default 10);
#   4. ThreadSanitizer build, the suites where threads meet (also tools/tsan.sh);
#   5. smoke runs of the benchmarks;
#   6. clang-tidy and cppcheck on src/ and tools/, every finding an error (tools/lint.sh).
# The sanitizer builds and the lint run in a background lane while the tests run (see below).
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

# The builds the later stages need run in a background lane while the tests run: the tests spend
# most of their time waiting on servers and timers (the plain suite keeps the 2 cores about half
# busy), so the sanitizer builds and the lint fill that idle time instead of running after it.
# The lane runs at the lowest CPU and I/O priority, so a test that wants the CPU gets it at once and
# the tests' own timing is as before. Each lane step logs to build-ci/<step>.log, printed when the
# foreground reaches the stage that needs it. DCVKIT_CI_OVERLAP=0 runs everything in sequence.
lane_dir="$PWD/build-ci"
rm -rf "$lane_dir"
mkdir -p "$lane_dir"
lane_steps=()
want asan && lane_steps+=(asan_build)
want tsan && lane_steps+=(tsan_build)
want lint && lane_steps+=(lint)
overlap=${DCVKIT_CI_OVERLAP:-1}

step_asan_build() {
  echo "== build (ASan + UBSan, clang; with the fuzz targets when the fuzz stage runs)"
  # clang, so that one build serves both stages: the libFuzzer targets link the same ASan+UBSan
  # library objects (instrumented for coverage too) instead of a second clang build of the library.
  local fuzz_here=OFF
  if want fuzz; then fuzz_here=ON; fi
  cmake -S . -B build-asan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" \
    -DDCVKIT_SANITIZE=ON -DDCVKIT_FUZZ="$fuzz_here" -DDCVKIT_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null &&
    cmake --build build-asan -j "$jobs"
}
step_tsan_build() { bash tools/tsan.sh --build-only; }
step_lint() { bash tools/lint.sh; }

# Runs one step, recording its exit code and duration in build-ci/<step>.done.
run_step() {
  local started rc=0
  started=$(date +%s)
  "step_$1" >"$lane_dir/$1.log" 2>&1 || rc=$?
  echo "$rc $(( $(date +%s) - started ))" >"$lane_dir/$1.done"
}
lane_pid=
if [ "$overlap" = 1 ] && [ ${#lane_steps[@]} -gt 0 ]; then
  # Job control on for this one job: the lane gets its own process group, so that stopping the run
  # early (a failed stage) stops the lane's compilers too.
  set -m
  (
    renice -n 19 -p "$BASHPID" >/dev/null
    ionice -c 3 -p "$BASHPID" 2>/dev/null || true
    for step in "${lane_steps[@]}"; do run_step "$step"; done
  ) </dev/null &
  lane_pid=$!
  set +m
fi
trap '[ -z "$lane_pid" ] || kill -- "-$lane_pid" 2>/dev/null || true' EXIT
# The stage that needs a lane step waits for it here (or, without the lane, runs it now), prints
# its log and stops the run if it failed.
await() {
  if [ -z "$lane_pid" ]; then
    run_step "$1"
  else
    while [ ! -f "$lane_dir/$1.done" ]; do
      if ! kill -0 "$lane_pid" 2>/dev/null && [ ! -f "$lane_dir/$1.done" ]; then
        echo "background lane ended before $1 finished" >&2
        exit 1
      fi
      sleep 2
    done
  fi
  local rc secs
  read -r rc secs <"$lane_dir/$1.done"
  cat "$lane_dir/$1.log"
  echo "== $1: $secs s$([ -n "$lane_pid" ] && echo ", in the background lane")"
  if [ "$rc" -ne 0 ]; then
    echo "== $1 FAILED (exit $rc)" >&2
    exit "$rc"
  fi
}

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
  await asan_build
  echo "== tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" "${skip_args[@]}"
  elapsed
fi

if want fuzz; then
  echo "== fuzzing (${DCVKIT_FUZZ_SECONDS:-10} s per target; full runs: tools/fuzz.sh 60)"
  # The ASan stage built the targets already (build-asan); alone, fuzz.sh makes its own build.
  if want asan; then export DCVKIT_FUZZ_BUILD_DIR=build-asan DCVKIT_FUZZ_REUSE_BUILD=1; fi
  bash tools/fuzz.sh "${DCVKIT_FUZZ_SECONDS:-10}"
  elapsed
fi

if want tsan; then
  await tsan_build
  bash tools/tsan.sh --tests-only "${skip_args[@]}"
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

if want lint; then
  await lint
  elapsed
fi
echo "== all stages passed:$stages($(( $(date +%s) - t0 )) s)"
