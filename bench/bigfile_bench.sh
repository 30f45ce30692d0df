#!/usr/bin/env bash
# One large file into a pond (issue 12, item 6): `pond copy` of a 1 GiB file
# into a new pond against `cp` of it followed by `sync` of the copy (what a
# user would run to have the bytes safely on disk), side by side in one
# hyperfine run (each run after a fresh `sync`), plus pond's peak RSS.
#
#   bench/bigfile_bench.sh [WORKDIR]     (default /tmp/pond-bigfile-bench; 3 GiB free)
#   MIB=1024 RUNS=7 ...                  file size, runs per command
#   POND_BIN=/path/to/pond ...           another build (default build/pond)
#
# Needs: hyperfine, jq, /usr/bin/time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="${POND_BIN:-$root/build/pond}"
work="${1:-/tmp/pond-bigfile-bench}"
MIB="${MIB:-1024}" RUNS="${RUNS:-7}"
rm -rf "$work" && mkdir -p "$work"
big="$work/big.bin"
head -c $((MIB * 1024 * 1024)) /dev/urandom > "$big"
sync
cat "$big" > /dev/null  # in the page cache for both

hyperfine -N -r "$RUNS" --export-json "$work/big.json" \
  --prepare "sh -c 'rm -rf $work/p $work/copy; sync; $pond --pond $work/p init'" \
  -n pond "$pond --pond $work/p -q copy $big /big.bin" \
  -n "cp + sync" "sh -c 'cp $big $work/copy && sync $work/copy'" >/dev/null 2>&1
rm -rf "$work/p" && "$pond" --pond "$work/p" init
/usr/bin/time -v "$pond" --pond "$work/p" -q copy "$big" /big.bin 2> "$work/rss.txt"
rss=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/rss.txt")
p=$(jq -r '.results[0].median' "$work/big.json")
c=$(jq -r '.results[1].median' "$work/big.json")
pmin=$(jq -r '.results[0].min' "$work/big.json") pmax=$(jq -r '.results[0].max' "$work/big.json")
cmin=$(jq -r '.results[1].min' "$work/big.json") cmax=$(jq -r '.results[1].max' "$work/big.json")
echo "### One $MIB MiB file, median of $RUNS runs each"
echo
echo "| command | median s | range s | MiB/s | pond / peer | peak RSS |"
echo "|---|---|---|---|---|---|"
python3 - "$MIB" "$p" "$c" "$pmin" "$pmax" "$cmin" "$cmax" "$rss" <<'PY'
import sys
mib, p, c, pmin, pmax, cmin, cmax, rss = sys.argv[1:]
mib, p, c = int(mib), float(p), float(c)
print(f"| pond copy | {p:.2f} | {float(pmin):.2f}–{float(pmax):.2f} | {mib/p:.0f} | {p/c:.2f}x | {rss} MiB |")
print(f"| cp + sync | {c:.2f} | {float(cmin):.2f}–{float(cmax):.2f} | {mib/c:.0f} | 1.00x | - |")
PY
rm -rf "$work"
