#!/usr/bin/env bash
# Builds DuckPond and runs every test: the release build's whole suite (unit,
# conformance, end-to-end), then the unit and end-to-end tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer. Installs what it needs first.
#   scripts/test.sh            everything
#   POND_SKIP_SANITIZE=1 ...   the release build only
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
jobs="${POND_JOBS:-2}"

build() {  # build DIR [cmake args...]
  local dir="$1"; shift
  cmake -S . -B "$dir" -DPOND_BUILD_BENCH=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build && ctest --output-on-failure -j "$jobs" --timeout 600)

if [ -z "${POND_SKIP_SANITIZE:-}" ]; then
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DPOND_SANITIZE=ON -DPOND_BUILD_BENCH=OFF
  # libduckdb.so is not instrumented; ASan only needs to come first in the link.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  # Leaks are checked in every test binary; the short-lived pond processes
  # the end-to-end tests start skip the exit-time leak scan (a fifth of the
  # run) but keep every other check.
  export POND_TEST_CHILD_ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # Not under the sanitizers (each runs in the release build above): the
  # browser test checks the site's JavaScript (its C++ runs in the other site
  # tests), and the two tests that kill a command at dozens of moments check
  # crash consistency, not memory, at minutes each.
  (cd build-asan && ctest --output-on-failure -j "$jobs" --timeout 900 \
    -E 'Site.BuildsAndEveryPageWorksInABrowser|CrashTest.CopyKilledAtAnyMomentIsAllOrNothing|Remotes.PushKilledAtAnyMomentIsFinishedByTheNext')
fi
