#!/usr/bin/env bash
# Compaction (issue 12, item 7): a pond of many small transactions, before and
# after `pond maintain`, against a fresh pond holding the same files from one
# transaction. Latency of `pond cat` of a small file and `pond list /dir/`
# (hyperfine medians), the time to rebuild the index from the log (what a
# restored or cache-less pond pays), and the live data files and bytes.
#
#   bench/maintain_bench.sh [WORKDIR]     (default /tmp/pond-maintain-bench)
#   N=10000 DIRS=10 BYTES=100 ...         transactions, folders, file size
#   POND_BIN=/path/to/pond ...            another build (default build/pond)
#
# Needs: hyperfine, jq; build/bench/many_txns (built with the benches).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="${POND_BIN:-$root/build/pond}"
many_txns="$(dirname "$pond")/bench/many_txns"
work="${1:-/tmp/pond-maintain-bench}"
N="${N:-10000}" DIRS="${DIRS:-10}" BYTES="${BYTES:-100}"
rm -rf "$work" && mkdir -p "$work"
median_ms() { jq -r '.results[0].median * 1000 | . * 10 | round / 10' "$1"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }

many="$work/many" fresh="$work/fresh" before="$work/before"
"$pond" --pond "$many" init >/dev/null
"$pond" --pond "$many" maintain --auto off >/dev/null
start=$(date +%s.%N)
"$many_txns" "$many" "$N" "$DIRS" "$BYTES"
echo "wrote $N transactions in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s" >&2

# The same files, one transaction.
mkdir -p "$work/tree"
"$pond" --pond "$many" -q copy '/**' "host://$work/tree"
"$pond" --pond "$fresh" init >/dev/null
"$pond" --pond "$fresh" -q copy -r "$work"/tree/dir* /
cp -a "$many" "$before"

live() {  # live data files and their bytes, from fsck and the Delta log
  "$pond" --pond "$1" fsck | grep -o '[0-9]* data files' | cut -d' ' -f1
}
file="/dir3/file$((3 + DIRS * (N / DIRS / 2))).txt"
measure() {  # NAME POND -> cat_ms list_ms
  hyperfine -N -w 3 -r 20 --export-json "$work/cat-$1.json" \
    "$pond --pond $2 cat $file" >/dev/null 2>&1
  hyperfine -N -w 3 -r 20 --export-json "$work/list-$1.json" \
    "$pond --pond $2 list /dir3/" >/dev/null 2>&1
  echo "$(median_ms "$work/cat-$1.json") $(median_ms "$work/list-$1.json")"
}
rebuild() {  # POND -> ms
  hyperfine -N -r 5 --prepare "rm -rf $1/cache" --export-json "$work/rebuild.json" \
    "$pond --pond $1 list /dir3/" >/dev/null 2>&1
  median_ms "$work/rebuild.json"
}

files_before=$(live "$before")
bytes_before=$(du -sb "$before"/data/part_id=* | awk '{s+=$1} END {print s}')
start=$(date +%s.%N)
"$pond" --pond "$many" maintain > "$work/maintain.out"
maintain_s=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
files_after=$(live "$many")
summary=$(grep '^data files' "$work/maintain.out")

read -r fresh_cat fresh_list < <(measure fresh "$fresh")
read -r before_cat before_list < <(measure before "$before")
read -r after_cat after_list < <(measure after "$many")
rebuild_fresh=$(rebuild "$fresh")
rebuild_before=$(rebuild "$before")
rebuild_after=$(rebuild "$many")

echo "### $N transactions of one ${BYTES}-byte file each, in $DIRS folders"
echo
echo "\`pond maintain\`: $maintain_s s; $summary (every small file of the log, on disk: $((bytes_before / 1024)) KiB)"
echo
echo "| pond | live data files | \`cat\` small file | \`list /dir3/\` | index rebuild | cat / fresh | list / fresh | rebuild / fresh |"
echo "|---|---|---|---|---|---|---|---|"
echo "| fresh (1 transaction) | $(live "$fresh") | $fresh_cat ms | $fresh_list ms | $rebuild_fresh ms | 1.00x | 1.00x | 1.00x |"
echo "| $N transactions, before maintain | $files_before | $before_cat ms | $before_list ms | $rebuild_before ms | $(ratio "$before_cat" "$fresh_cat") | $(ratio "$before_list" "$fresh_list") | $(ratio "$rebuild_before" "$rebuild_fresh") |"
echo "| $N transactions, after maintain | $files_after | $after_cat ms | $after_list ms | $rebuild_after ms | $(ratio "$after_cat" "$fresh_cat") | $(ratio "$after_list" "$fresh_list") | $(ratio "$rebuild_after" "$rebuild_fresh") |"
