#!/usr/bin/env bash
# The SQL benchmark (issue 4): a series of 10 million rows (timestamp, station,
# three floats) in 100 versions. One aggregate query through `pond query`
# against the same query in plain DuckDB (the same library) over the same
# Parquet files, side by side in one run; then a narrow time range, where
# version pruning must read a small fraction of the data.
#
#   bench/sql_bench.sh [WORKDIR]      (default /tmp/pond-sql-bench; ~1 GiB free)
#   POND_BENCH_QUICK=1 ...            1 million rows, for a smoke run
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="$root/build/pond"
plain="$root/build/bench/plain_query"
work="${1:-/tmp/pond-sql-bench}"
versions=100; rows_per=100000
[ -n "${POND_BENCH_QUICK:-}" ] && rows_per=10000
rm -rf "$work" && mkdir -p "$work/batches"
export POND="$work/pond" POND_LOCK_TIMEOUT_MS=60000

# One batch per version: a distinct span of time, rows one second apart.
gen_sql=""
for ((v = 0; v < versions; v++)); do
  gen_sql+="COPY (SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds($v * $rows_per + i) AS timestamp,
    'station' || (i % 20) AS station, (i % 1000) / 10.0 AS a, (i % 777) / 7.0 AS b, (i % 555) / 5.0 AS c
    FROM range($rows_per) t(i)) TO '$work/batches/v$(printf %03d $v).parquet' (FORMAT parquet);"
done
"$plain" "$gen_sql" >/dev/null
"$pond" init
for f in "$work"/batches/*.parquet; do "$pond" copy "host+series://$f" /readings.series; done

query_body="SELECT station, date_trunc('hour', timestamp) h, avg(a), min(b), max(c) FROM %s GROUP BY ALL ORDER BY ALL"
pond_q=$(printf "$query_body" "'/readings.series'")
plain_q=$(printf "$query_body" "read_parquet('$work/batches/*.parquet')")
"$pond" query "$pond_q" --format csv | tail -n +2 | sort > "$work/pond.out"
"$plain" "$plain_q" | sort > "$work/plain.out"
# Same rows, values equal to 1e-9 (parallel float sums differ in the last digits).
same=$(python3 - "$work/pond.out" "$work/plain.out" <<'PY'
import sys
a = [l.rstrip("\n").split(",") for l in open(sys.argv[1])]
b = [l.rstrip("\n").split(",") for l in open(sys.argv[2])]
def close(x, y):
    try:
        return abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(y)))
    except ValueError:
        return x == y
ok = len(a) == len(b) and all(len(r) == len(s) and all(close(x, y) for x, y in zip(r, s)) for r, s in zip(a, b))
print("yes" if ok else "no")
PY
)

hyperfine -N --warmup 2 --runs 10 --export-json "$work/q.json" \
  "$pond query \"$pond_q\" --format csv" "$plain \"$plain_q\"" >/dev/null 2>&1
/usr/bin/time -v "$pond" query "$pond_q" --format csv > /dev/null 2> "$work/pond.time"
/usr/bin/time -v "$plain" "$plain_q" > /dev/null 2> "$work/plain.time"
med() { jq -r ".results[$2].median * 1000 | . * 10 | round / 10" "$1"; }
rss() { awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
p=$(med "$work/q.json" 0); d=$(med "$work/q.json" 1)
rows=$((versions * rows_per))
echo "### $rows rows in $versions versions: hourly aggregate (median of 10, result rows: $(wc -l < "$work/pond.out"), same as plain DuckDB: $same)"
echo
echo "| runner | median ms | ratio | peak RSS MiB |"
echo "|---|---|---|---|"
echo "| pond query | $p | $(python3 -c "print(f'{$p/$d:.2f}x')") | $(rss "$work/pond.time") |"
echo "| plain DuckDB, same files | $d | 1.00x | $(rss "$work/plain.time") |"
echo

# A narrow range: one hour in the middle of the series.
start="2026-01-01T12:00:00Z"; end="2026-01-01T13:00:00Z"
"$pond" -v cat /readings.series --time-start "$start" --time-end "$end" \
  --sql "SELECT count(*) FROM source" --format csv > "$work/narrow.out" 2> "$work/narrow.err"
"$pond" -v cat /readings.series --sql "SELECT count(*) FROM source" --format csv \
  > "$work/full.out" 2> "$work/full.err"
nb=$(awk -F': ' '/^bytes read/ {print $2}' "$work/narrow.err"); nf=$(awk -F': ' '/^data files read/ {print $2}' "$work/narrow.err")
fb=$(awk -F': ' '/^bytes read/ {print $2}' "$work/full.err"); ff=$(awk -F': ' '/^data files read/ {print $2}' "$work/full.err")
hyperfine -N --warmup 2 --runs 10 --export-json "$work/n.json" \
  "$pond cat /readings.series --time-start $start --time-end $end --sql 'SELECT count(*) FROM source' --format csv" >/dev/null 2>&1
echo "### Narrow time range (1 hour of $((rows / 3600)) hours)"
echo
echo "| query | rows | versions read | bytes read | share of bytes | median ms |"
echo "|---|---|---|---|---|---|"
echo "| whole series | $(tail -n 1 "$work/full.out") | $ff | $fb | 100% | - |"
echo "| $start .. $end | $(tail -n 1 "$work/narrow.out") | $nf | $nb | $(python3 -c "print(f'{$nb/$fb*100:.1f}%')") | $(med "$work/n.json" 0) |"
