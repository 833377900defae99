#!/usr/bin/env bash
# CI stage: the test suite under ThreadSanitizer (build-tsan). Every data race, lock-order
# inversion or thread leak fails the run (halt_on_error); tsan.supp holds only third-party false
# positives, each with its reason.
#
#   tools/tsan.sh                       # the whole suite
#   tools/tsan.sh -R 'CheckBatch|...'   # extra arguments go to ctest (e.g. the concurrent subset)
#   tools/tsan.sh --build-only           # only the build (tools/test.sh builds while other tests run)
#   tools/tsan.sh --tests-only [ARGS]    # only the tests, of the build already made
set -euo pipefail
build=1 tests=1
case "${1:-}" in
  --build-only) tests=0; shift ;;
  --tests-only) build=0; shift ;;
esac
cd "$(dirname "$0")/.."

jobs=$(nproc)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

if [ "$build" -eq 1 ]; then
  echo "== build (ThreadSanitizer)"
  # -O1 with line tables (reports name file:line): TSan's own advice for speed is -O1 or more, and this
  # compiles in two thirds of RelWithDebInfo's time. Only the suites where threads meet are built
  # (tests/CMakeLists.txt, DCVKIT_TESTS_WITHOUT_THREADS).
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-g1 -O1 -DNDEBUG" -DDCVKIT_TSAN=ON \
    -DDCVKIT_BUILD_BENCH=OFF -DDCVKIT_BUILD_EXAMPLES=OFF "${launcher[@]}" >/dev/null
  cmake --build build-tsan -j "$jobs" --target dcvkit_tests
fi
[ "$tests" -eq 1 ] || exit 0

echo "== tests under ThreadSanitizer"
# second_deadlock_stack: both stacks of a lock-order inversion. The servers the tests start
# (dcvkit-sandbox) are TSan builds too and inherit these options.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4 suppressions=$PWD/tsan.supp"
start=$(date +%s)
ctest --test-dir build-tsan --output-on-failure -j "$jobs" --timeout 600 "$@"
echo "== ThreadSanitizer stage: $(( $(date +%s) - start )) s of tests"
