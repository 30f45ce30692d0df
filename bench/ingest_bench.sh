#!/usr/bin/env bash
# Ingest of many small files (issue 12): `pond copy -r` of a host tree into a
# new pond against `git add -A && git commit` of the same tree, side by side in
# one run, at 10,000 and 100,000 files of 1 KiB, with peak RSS; then the same
# 100,000 files shaped otherwise, and 20,000 files in one folder, to show that
# the time grows with the number of files and not with their arrangement.
#
#   bench/ingest_bench.sh [WORKDIR]     (default /tmp/pond-ingest-bench; ~2 GiB free)
#   POND_BIN=/path/to/pond ...          another build (default build/pond)
#
# Needs: hyperfine, jq, git, /usr/bin/time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="${POND_BIN:-$root/build/pond}"
work="${1:-/tmp/pond-ingest-bench}"
rm -rf "$work" && mkdir -p "$work"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
export POND_LOCK_TIMEOUT_MS=60000

# make_tree DIR FOLDERS FILES_PER_FOLDER: files of 1 KiB of random bytes.
make_tree() {
  python3 - "$@" <<'PY'
import os, random, sys
root, dirs, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
for d in range(dirs):
    p = os.path.join(root, f"dir{d:04d}")
    os.makedirs(p, exist_ok=True)
    for i in range(per):
        with open(os.path.join(p, f"file{i:05d}.txt"), "wb") as f:
            f.write(rng.randbytes(1024))
PY
}
median() { jq -r ".results[0].median" "$1"; }
peak() { awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
fmt() { python3 -c "print(f'{$1:.2f}')"; }
goal() { python3 -c "print(f'{64 + $1 * 0.5 / 1024:.0f}')"; }

# Each timed run starts from a quiet disk (`sync` in its preparation): the
# trees were just written, and a run that starts while the kernel writes them
# back pays for that in its own flushes (pond's fsyncs wait on the journal).
# pond_case NAME TREE: median of 3 seconds, then peak RSS MiB of one more run.
pond_case() {
  hyperfine -N --runs 3 --export-json "$work/$1.pond.json" \
    --prepare "sh -c 'rm -rf $work/p && $pond --pond $work/p init && sync'" \
    "$pond --pond $work/p copy -r $2 /tree" >/dev/null 2>&1
  rm -rf "$work/p" && "$pond" --pond "$work/p" init && sync
  /usr/bin/time -v "$pond" --pond "$work/p" copy -r "$2" /tree 2> "$work/$1.pond.time"
  echo "$(median "$work/$1.pond.json") $(peak "$work/$1.pond.time")"
}
# git_case NAME TREE: the same for git (the tree copied into a fresh work tree first).
git_case() {
  hyperfine --runs 3 --export-json "$work/$1.git.json" \
    --prepare "sh -c 'rm -rf $work/g && mkdir -p $work/g && git -C $work/g init -q && cp -r $2 $work/g/tree && sync'" \
    "git -C $work/g add -A && git -C $work/g commit -q -m ingest" >/dev/null 2>&1
  rm -rf "$work/g" && mkdir -p "$work/g" && git -C "$work/g" init -q && cp -r "$2" "$work/g/tree" && sync
  ( cd "$work/g" && /usr/bin/time -v sh -c "git add -A && git commit -q -m ingest" 2> "$work/$1.git.time" )
  echo "$(median "$work/$1.git.json") $(peak "$work/$1.git.time")"
}

make_tree "$work/t10k" 100 100
make_tree "$work/t100k" 100 1000
read -r p10 r10 <<<"$(pond_case t10k "$work/t10k")"
read -r g10 gr10 <<<"$(git_case t10k "$work/t10k")"
read -r p100 r100 <<<"$(pond_case t100k "$work/t100k")"
read -r g100 gr100 <<<"$(git_case t100k "$work/t100k")"
rm -rf "$work/g"

echo "### Ingest of files of 1 KiB in one command (median of 3, seconds; peak RSS of one run)"
echo
echo "| files | pond copy -r | git add -A && git commit | pond / git | pond peak RSS MiB | goal MiB (64 + 0.5 KiB per file) | git peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
echo "| 10,000 (100 folders) | $(fmt "$p10") | $(fmt "$g10") | $(fmt "$p10/$g10")x | $r10 | $(goal 10000) | $gr10 |"
echo "| 100,000 (100 folders) | $(fmt "$p100") | $(fmt "$g100") | $(fmt "$p100/$g100")x | $r100 | $(goal 100000) | $gr100 |"
echo
echo "100,000 files take $(fmt "$p100/$p10")x the time of 10,000 (linear: 10x)."
echo

rm -rf "$work/t10k"
make_tree "$work/wide" 1000 100
make_tree "$work/one" 1 20000
read -r pw rw <<<"$(pond_case wide "$work/wide")"
read -r po ro <<<"$(pond_case one "$work/one")"
echo "### The same work shaped otherwise (pond copy -r, median of 3)"
echo
echo "| tree | seconds | per file µs | peak RSS MiB | goal MiB |"
echo "|---|---|---|---|---|"
echo "| 100,000 files in 100 folders | $(fmt "$p100") | $(fmt "$p100*1e6/100000") | $r100 | $(goal 100000) |"
echo "| 100,000 files in 1,000 folders | $(fmt "$pw") | $(fmt "$pw*1e6/100000") | $rw | $(goal 100000) |"
echo "| 20,000 files in one folder | $(fmt "$po") | $(fmt "$po*1e6/20000") | $ro | $(goal 20000) |"
echo
