#!/usr/bin/env bash
# The main job: builds `pond` and runs a short demo of what it does today.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "${POND_JOBS:-2}" --target pond
pond="$root/build/pond"
run() { echo; echo "\$ $*"; "$@"; }
run "$pond" --version
