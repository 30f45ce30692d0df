#!/usr/bin/env bash
# Metadata commands against git (issue 12, item 3): `pond cat` of a small file
# and `pond list /dir/` in a pond of 1,000 transactions, against `git show` and
# `git ls-tree` in a repository of the same shape (10,000 files of 1 KiB in 100
# folders, 10 files per commit), side by side in one hyperfine run; and page
# faults per command (`perf stat`), which is where short commands spend their
# time on this machine.
#
#   bench/metadata_bench.sh [WORKDIR]        (default /tmp/pond-metadata-bench)
#   POND_BIN=/path/to/pond ...               another build (default build/pond)
#   TXNS=1000 RUNS=100 ...                   transactions, runs per command
#   REUSE=1 ...                              measure the pond and repository of the last run
#
# Needs: git, hyperfine, jq, perf (optional: the fault column is left out without it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="${POND_BIN:-$root/build/pond}"
work="${1:-/tmp/pond-metadata-bench}"
TXNS="${TXNS:-1000}" RUNS="${RUNS:-100}"
per_txn=10
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org

if [ -z "${REUSE:-}" ]; then
rm -rf "$work" && mkdir -p "$work/stage"
"$pond" --pond "$work/p" init >/dev/null
git -C "$work" init -q g
python3 - "$work" "$TXNS" "$per_txn" "$pond" <<'PY'
import os, random, shutil, subprocess, sys
work, txns, per, pond = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(42)
stage, repo = os.path.join(work, "stage"), os.path.join(work, "g")
for t in range(txns):
    shutil.rmtree(stage)
    os.makedirs(stage)
    for k in range(per):
        i = t * per + k
        d, f = f"dir{i % 100:03d}", f"file{i:05d}.txt"
        data = bytes(rng.getrandbits(8) for _ in range(1024))
        for top in (stage, repo):
            os.makedirs(os.path.join(top, d), exist_ok=True)
            with open(os.path.join(top, d, f), "wb") as out:
                out.write(data)
    dirs = sorted(os.listdir(stage))
    subprocess.run([pond, "--pond", os.path.join(work, "p"), "-q", "copy", "-r"]
                   + [os.path.join(stage, d) for d in dirs] + ["/"], check=True)
    subprocess.run(["git", "-C", repo, "add", "-A"], check=True)
    subprocess.run(["git", "-C", repo, "commit", "-q", "-m", f"t{t}"], check=True)
PY
fi
file=$(ls "$work/g/dir050" | sed -n 5p)
cat_pond="$pond --pond $work/p cat /dir050/$file"
cat_git="git -C $work/g show HEAD:dir050/$file"
list_pond="$pond --pond $work/p list /dir050/"
list_git="git -C $work/g ls-tree HEAD dir050/"
# The same bytes, and the same names.
cmp <($cat_pond) <($cat_git)
[ "$($list_pond | wc -l)" = "$($list_git | wc -l)" ]

hyperfine -N -w 10 -r "$RUNS" --export-json "$work/latency.json" \
  -n "pond cat" "$cat_pond" -n "git show" "$cat_git" \
  -n "pond list" "$list_pond" -n "git ls-tree" "$list_git" >/dev/null 2>&1
faults() {
  command -v perf >/dev/null || { echo "-"; return; }
  perf stat -r 20 -x, -e page-faults $1 2>&1 >/dev/null | awk -F, '/page-faults/ {printf "%.0f", $1}'
}
ms() { jq -r ".results[$1].median * 1000 | . * 100 | round / 100" "$work/latency.json"; }
echo "### Metadata commands at $TXNS transactions (median of $RUNS runs each)"
echo
echo "| command | pond ms | git ms | pond / git | pond page faults | git page faults |"
echo "|---|---|---|---|---|---|"
row() {  # name, pond index, git index, pond command, git command
  local p g
  p=$(ms "$2") g=$(ms "$3")
  echo "| $1 | $p | $g | $(python3 -c "print(f'{$p/$g:.2f}x')") | $(faults "$4") | $(faults "$5") |"
}
row "\`cat\` of a 1 KiB file / \`git show\`" 0 1 "$cat_pond" "$cat_git"
row "\`list /dir/\` / \`git ls-tree\`" 2 3 "$list_pond" "$list_git"
