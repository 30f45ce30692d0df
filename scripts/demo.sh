#!/usr/bin/env bash
# The main job: builds `pond` and shows what it does today: a Delta table is
# written by DuckPond's Delta engine, then read back with `pond cat`, at its
# latest version and at an older one (time travel).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "${POND_JOBS:-2}" --target pond delta_demo
pond="$root/build/pond"
demo="$root/demo-pond"
rm -rf "$demo" && mkdir -p "$demo"
run() { echo; echo "\$ ${*/#$root\//}"; "$@"; }
run "$pond" --version
run build/delta_demo "$demo/readings"
run ls "$demo/readings/_delta_log"
run "$pond" cat "host+delta://$demo/readings" --format=csv
run "$pond" cat "host+delta://$demo/readings" --format=csv --delta-version 0
