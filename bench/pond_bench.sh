#!/usr/bin/env bash
# The pond benchmark (issue 3): each figure side by side with its peer, on this
# machine, in one run. Prints markdown tables; bench/RESULTS.md records them.
#
#   bench/pond_bench.sh [WORKDIR]      (default /tmp/pond-bench; needs ~3 GiB free)
#   POND_BENCH_QUICK=1 ...             smaller sizes, for a smoke run
#
# Needs: a built build/pond, git, hyperfine, jq, /usr/bin/time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="$root/build/pond"
work="${1:-/tmp/pond-bench}"
quick="${POND_BENCH_QUICK:-}"
files=10000; txns=1000; big_mib=1024; wide=100000
if [ -n "$quick" ]; then files=1000; txns=100; big_mib=64; wide=10000; fi
per_txn=$((files / txns))
rm -rf "$work" && mkdir -p "$work"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
export POND_LOCK_TIMEOUT_MS=60000

median_ms() {  # hyperfine JSON -> median in ms of command $2
  jq -r ".results[$2].median * 1000 | . * 100 | round / 100" "$1"
}
peak_mib() {  # /usr/bin/time -v output file -> MiB
  awk -F: '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"
}
secs() { python3 -c 'import time; print(time.monotonic())'; }

# --- 1. ingest: 10,000 files of 1 KiB in one command --------------------------------
tree="$work/tree"
python3 - "$tree" "$files" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
for i in range(n):
    d = os.path.join(root, f"dir{i % 100:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i:05d}.txt"), "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(1024)))
PY
# hyperfine -N cannot run '&&': measure git through sh instead.
hyperfine --runs 5 --export-json "$work/ingest_git.json" \
  --prepare "rm -rf $work/g && mkdir -p $work/g && git -C $work/g init -q && cp -r $tree $work/g/tree" \
  "git -C $work/g add -A && git -C $work/g commit -q -m ingest" >/dev/null 2>&1
hyperfine -N --runs 5 --export-json "$work/ingest_pond.json" \
  --prepare "sh -c 'rm -rf $work/p && $pond --pond $work/p init'" \
  "$pond --pond $work/p copy -r $tree /tree" >/dev/null 2>&1
hyperfine -N --runs 5 --export-json "$work/ingest_cp.json" \
  --prepare "rm -rf $work/c" "cp -r $tree $work/c" >/dev/null 2>&1
p=$(median_ms "$work/ingest_pond.json" 0); g=$(median_ms "$work/ingest_git.json" 0); c=$(median_ms "$work/ingest_cp.json" 0)
echo "### Ingest $files files of 1 KiB in one command (median of 5)"
echo
echo "| tool | median ms | vs pond |"
echo "|---|---|---|"
echo "| pond copy -r | $p | 1.00x |"
echo "| git add -A && git commit | $g | $(python3 -c "print(f'{$g/$p:.2f}x')") |"
echo "| cp -r | $c | $(python3 -c "print(f'{$c/$p:.2f}x')") |"
echo

# --- 2. one big file: throughput and peak memory --------------------------------------
big="$work/big.bin"
head -c $((big_mib * 1024 * 1024)) /dev/urandom > "$big"
rm -rf "$work/p" && "$pond" --pond "$work/p" init
cat "$big" > /dev/null  # page cache warm for both
/usr/bin/time -v "$pond" --pond "$work/p" copy "$big" /big.bin 2> "$work/big_pond.time"
pond_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=a[n]; if(n>1) s+=a[n-1]*60; print s}' "$work/big_pond.time")
/usr/bin/time -v cp "$big" "$work/big.copy" 2> "$work/big_cp.time"
cp_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=a[n]; if(n>1) s+=a[n-1]*60; print s}' "$work/big_cp.time")
t0=$(secs); cp "$big" "$work/big.copy2" && sync "$work/big.copy2"; t1=$(secs)
cpsync_s=$(python3 -c "print(f'{$t1-$t0:.2f}')")
echo "### One $big_mib MiB file"
echo
echo "| tool | seconds | MiB/s | share of cp | peak RSS MiB |"
echo "|---|---|---|---|---|"
python3 - "$big_mib" "$pond_s" "$cp_s" "$cpsync_s" "$(peak_mib "$work/big_pond.time")" "$(peak_mib "$work/big_cp.time")" <<'PY'
import sys
mib, p, c, cs, prss, crss = sys.argv[1:]
mib, p, c, cs = int(mib), float(p), float(c), float(cs)
print(f"| pond copy (hash, blob, fsync, commit) | {p:.2f} | {mib/p:.0f} | {c/p*100:.0f}% | {prss} |")
print(f"| cp | {c:.2f} | {mib/c:.0f} | 100% | {crss} |")
print(f"| cp && sync | {cs:.2f} | {mib/cs:.0f} | {c/cs*100:.0f}% | - |")
PY
rm -f "$work/big.copy" "$work/big.copy2" "$big"
echo

# --- 3. read latency as history grows ------------------------------------------------
build_history() {  # $1 pond dir, $2 git dir, $3 transactions
  local p="$1" g="$2" n="$3" per=$((files / $3))
  "$pond" --pond "$p" init
  mkdir -p "$g" && git -C "$g" init -q
  local staged="$work/stage"
  for ((t = 0; t < n; t++)); do
    rm -rf "$staged" && mkdir -p "$staged"
    for ((k = 0; k < per; k++)); do
      i=$((t * per + k))
      printf -v d "dir%03d" $((i % 100)); printf -v f "file%05d.txt" "$i"
      mkdir -p "$staged/$d" "$g/$d"
      cp "$tree/$d/$f" "$staged/$d/$f"; cp "$tree/$d/$f" "$g/$d/$f"
    done
    "$pond" --pond "$p" copy -r "$staged"/* / 
    git -C "$g" add -A && git -C "$g" commit -q -m "t$t"
  done
}
# copy -r of several dirs into / merges them into /dirNNN.
t0=$(secs)
build_history "$work/hist_long" "$work/git_long" "$txns"
build_history "$work/hist_short" "$work/git_short" 10
t1=$(secs)
target_dir=dir050; target_file=$(ls "$tree/dir050" | head -n 5 | tail -n 1)
hyperfine -N --warmup 5 --runs 50 --export-json "$work/latency.json" \
  "$pond --pond $work/hist_short cat /$target_dir/$target_file" \
  "$pond --pond $work/hist_long cat /$target_dir/$target_file" \
  "git -C $work/git_long show HEAD:$target_dir/$target_file" \
  "$pond --pond $work/hist_short list /$target_dir/" \
  "$pond --pond $work/hist_long list /$target_dir/" \
  "git -C $work/git_long ls-tree HEAD $target_dir/" >/dev/null 2>&1
echo "### Read latency, $files files (median of 50; history built in $(python3 -c "print(f'{$t1-$t0:.0f}')") s)"
echo
echo "| command | 10 transactions ms | $txns transactions ms | growth | git ms | pond / git |"
echo "|---|---|---|---|---|---|"
for pair in "cat:0:1:2" "list /dir/:3:4:5"; do
  IFS=: read -r name a b c <<< "$pair"
  s=$(median_ms "$work/latency.json" "$a"); l=$(median_ms "$work/latency.json" "$b"); gg=$(median_ms "$work/latency.json" "$c")
  echo "| pond $name | $s | $l | $(python3 -c "print(f'{$l/$s:.2f}x')") | $gg | $(python3 -c "print(f'{$l/$gg:.2f}x')") |"
done
echo

# --- 4. one more file in a directory of 1,000 or 100,000 entries ----------------------
echo "### Adding one file to a directory of N entries (median of 10)"
echo
echo "| entries | median ms | bytes written to data/ |"
echo "|---|---|---|"
echo "x" > "$work/one.txt"
for n in 1000 "$wide"; do
  src="$work/wide$n"
  python3 - "$src" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(root, exist_ok=True)
for i in range(n):
    with open(os.path.join(root, f"e{i:06d}"), "w") as f:
        f.write("e")
PY
  p="$work/widepond$n"
  "$pond" --pond "$p" init && "$pond" --pond "$p" copy -r "$src" /wide
  before=$(du -sb "$p/data" | cut -f1)
  "$pond" --pond "$p" copy "$work/one.txt" /wide/probe
  after=$(du -sb "$p/data" | cut -f1)
  hyperfine -N --runs 1 --export-json "$work/wide$n.json" -P i 1 10 \
    "$pond --pond $p copy $work/one.txt /wide/new{i}" >/dev/null 2>&1
  med=$(jq -r '[.results[].median] | sort | .[length/2|floor] * 1000 | . * 100 | round / 100' "$work/wide$n.json")
  echo "| $n | $med | $((after - before)) |"
  rm -rf "$src"
done
