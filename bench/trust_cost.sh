#!/usr/bin/env bash
# What the trust fixes cost (issue 7): the existing benchmarks' main figures,
# measured for two builds side by side in one run, alternating, on the same
# data. Each pond gets its own copy of the data (their index formats differ).
#
#   bench/trust_cost.sh OLD_POND NEW_POND [WORKDIR]   (default /tmp/pond-trust-cost)
#
# OLD_POND is a `pond` binary built from the commit before the fixes; NEW_POND
# the current one. Needs hyperfine, jq, /usr/bin/time and build/bench/plain_query.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
old="$1"; new="$2"; work="${3:-/tmp/pond-trust-cost}"
plain="$root/build/bench/plain_query"
rm -rf "$work" && mkdir -p "$work"
export POND_LOCK_TIMEOUT_MS=60000
med() { jq -r ".results[$2].median * 1000 | . * 100 | round / 100" "$1"; }
row() {  # label, json, index of old, index of new
  local o n; o=$(med "$2" "$3"); n=$(med "$2" "$4")
  echo "| $1 | $o | $n | $(python3 -c "print(f'{$n/$o:.2f}x')") |"
}
echo "| benchmark | before ms | after ms | after / before |"
echo "|---|---|---|---|"

# 1. Ingest 10,000 files of 1 KiB in one copy -r.
python3 - "$work/tree" <<'PY'
import os, random, sys
rng = random.Random(42)
for i in range(10000):
    d = os.path.join(sys.argv[1], f"dir{i % 100:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i:05d}.txt"), "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(1024)))
PY
hyperfine -N --runs 5 --export-json "$work/ingest.json" \
  --prepare "sh -c 'rm -rf $work/ing && $old --pond $work/ing init'" "$old --pond $work/ing copy -r $work/tree /tree" \
  --prepare "sh -c 'rm -rf $work/ing && $new --pond $work/ing init'" "$new --pond $work/ing copy -r $work/tree /tree" \
  >/dev/null 2>&1
row "copy -r of 10,000 files of 1 KiB (median of 5)" "$work/ingest.json" 0 1
rm -rf "$work/ing"

# 2. One 1 GiB file.
head -c $((1024 * 1024 * 1024)) /dev/urandom > "$work/big.bin"
cat "$work/big.bin" > /dev/null
hyperfine -N --runs 3 --export-json "$work/big.json" \
  --prepare "sh -c 'rm -rf $work/bp && $old --pond $work/bp init'" "$old --pond $work/bp copy $work/big.bin /big" \
  --prepare "sh -c 'rm -rf $work/bp && $new --pond $work/bp init'" "$new --pond $work/bp copy $work/big.bin /big" \
  >/dev/null 2>&1
row "copy of one 1 GiB file (median of 3)" "$work/big.json" 0 1
rm -rf "$work/bp" "$work/big.bin"

# 3. cat and list /dir/ at 1,000 transactions of 10 files each.
"$new" --pond "$work/hist" init
for ((t = 0; t < 1000; t++)); do
  rm -rf "$work/stage" && mkdir -p "$work/stage/dir$((t % 100))"
  for ((k = 0; k < 10; k++)); do cp "$work/tree/dir$(printf %03d $(((t * 10 + k) % 100)))/file$(printf %05d $((t * 10 + k))).txt" "$work/stage/dir$((t % 100))/"; done
  "$new" --pond "$work/hist" copy -r "$work/stage/dir$((t % 100))" /
done
cp -a "$work/hist" "$work/hist_old" && rm -rf "$work/hist_old/cache"
"$old" --pond "$work/hist_old" list / >/dev/null; "$new" --pond "$work/hist" list / >/dev/null
file=$("$new" --pond "$work/hist" list /dir50/ | head -n 1)
hyperfine -N --warmup 5 --runs 100 --export-json "$work/lat.json" \
  "$old --pond $work/hist_old cat $file" "$new --pond $work/hist cat $file" \
  "$old --pond $work/hist_old list /dir50/" "$new --pond $work/hist list /dir50/" >/dev/null 2>&1
row "cat of a small file at 1,000 transactions (median of 100)" "$work/lat.json" 0 1
row "list /dir/ at 1,000 transactions (median of 100)" "$work/lat.json" 2 3

# 4. SQL: a 10-million-row series in 100 versions, hourly aggregate, and a narrow range.
mkdir -p "$work/batches"
gen=""
for ((v = 0; v < 100; v++)); do
  gen+="COPY (SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds($v * 100000 + i) AS timestamp,
    'station' || (i % 20) AS station, (i % 1000) / 10.0 AS a, (i % 777) / 7.0 AS b, (i % 555) / 5.0 AS c
    FROM range(100000) t(i)) TO '$work/batches/v$(printf %03d $v).parquet' (FORMAT parquet);"
done
"$plain" "$gen" >/dev/null
"$new" --pond "$work/sql" init
for b in "$work"/batches/*.parquet; do "$new" --pond "$work/sql" copy "host+series://$b" /readings.series; done
cp -a "$work/sql" "$work/sql_old" && rm -rf "$work/sql_old/cache"
q="SELECT station, date_trunc('hour', timestamp) h, avg(a), min(b), max(c) FROM '/readings.series' GROUP BY ALL ORDER BY ALL"
"$old" --pond "$work/sql_old" query "$q" --format csv > "$work/before.csv"
"$new" --pond "$work/sql" query "$q" --format csv > "$work/after.csv"
# Same rows; averages equal to 1e-9 (parallel float sums differ in the last digits).
python3 - "$work/before.csv" "$work/after.csv" <<'PY'
import sys
a = [l.rstrip("\n").split(",") for l in open(sys.argv[1])]
b = [l.rstrip("\n").split(",") for l in open(sys.argv[2])]
def close(x, y):
    try:
        return abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(y)))
    except ValueError:
        return x == y
ok = len(a) == len(b) and all(len(r) == len(s) and all(close(x, y) for x, y in zip(r, s)) for r, s in zip(a, b))
print(f"<!-- hourly aggregate: {len(a) - 1} rows, the same before and after: {'yes' if ok else 'NO'} -->")
PY
n="--time-start 2026-01-01T12:00:00Z --time-end 2026-01-01T13:00:00Z --sql 'SELECT count(*) FROM source' --format csv"
hyperfine -N --warmup 2 --runs 10 --export-json "$work/sqlq.json" \
  "$old --pond $work/sql_old query \"$q\" --format csv" "$new --pond $work/sql query \"$q\" --format csv" \
  "$old --pond $work/sql_old cat /readings.series $n" "$new --pond $work/sql cat /readings.series $n" \
  >/dev/null 2>&1
row "hourly aggregate, 10M rows in 100 versions, CSV (median of 10)" "$work/sqlq.json" 0 1
row "one hour of the same series (median of 10)" "$work/sqlq.json" 2 3
