#!/usr/bin/env bash
# CI stage: static analysis of src/ and tools/ (tests/ and bench/ are not linted).
#   clang-tidy with the checked-in .clang-tidy, every warning an error;
#   cppcheck (warning, performance, portability) with cppcheck.supp.
# Both read build-lint/compile_commands.json (configured here, nothing is compiled).
#   tools/lint.sh                  both, as tools/test.sh runs it (clang-tidy is most of it: 16 min in the CI lane)
#   tools/lint.sh --cppcheck-only  the quick half (a minute), for a fast check while editing
set -euo pipefail
tidy=1
if [ "${1:-}" = "--cppcheck-only" ]; then tidy=0; fi
cd "$(dirname "$0")/.."

jobs=$(nproc)
cmake -S . -B build-lint -DDCVKIT_BUILD_BENCH=OFF -DDCVKIT_BUILD_TESTS=ON >/dev/null
root=$PWD
start=$(date +%s)

tidy_status=0
if [ "$tidy" -eq 1 ]; then
echo "== clang-tidy (src/, tools/)"
# The translation units of src/ and tools/ from the compile database. run-clang-tidy-14 has no
# -warnings-as-errors, so clang-tidy is run per file here (same database, same parallelism).
python3 - "$root" > build-lint/tidy-files.txt <<'PY'
import json, sys
root = sys.argv[1]
for entry in json.load(open(f"{root}/build-lint/compile_commands.json")):
    f = entry["file"]
    if f.startswith((f"{root}/src/", f"{root}/tools/")):
        print(f)
PY
xargs -a build-lint/tidy-files.txt -P "$jobs" -n 1 \
  clang-tidy -p build-lint --quiet --warnings-as-errors='*' 2> >(grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' >&2) ||
  tidy_status=$?
echo "== clang-tidy: $(wc -l < build-lint/tidy-files.txt) files, $(( $(date +%s) - start )) s"
fi

echo "== cppcheck (src/, tools/)"
mid=$(date +%s)
cppcheck_status=0
# -i paths relative to the source root: cppcheck 2.10 does not apply absolute ones to --project files.
cppcheck --project=build-lint/compile_commands.json -itests -ibench \
  --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
  --suppressions-list=cppcheck.supp --std=c++20 --quiet -j "$jobs" \
  --cppcheck-build-dir=build-lint/cppcheck-cache || cppcheck_status=$?
echo "== cppcheck: $(( $(date +%s) - mid )) s"

if [ "$tidy_status" -ne 0 ] || [ "$cppcheck_status" -ne 0 ]; then
  echo "lint: FAILED (clang-tidy exit $tidy_status, cppcheck exit $cppcheck_status)" >&2
  exit 1
fi
echo "lint: clean ($(( $(date +%s) - start )) s)"
