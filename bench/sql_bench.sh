#!/usr/bin/env bash
# The SQL benchmark (issues 4 and 12): a series of 10 million rows (timestamp,
# station, three floats) in 100 versions. Aggregate queries through `pond
# query` against DuckDB over the same Parquet files writing the same result
# with its own CSV and JSON writers, side by side in one run; then a narrow
# time range, where version pruning must read a small fraction of the data.
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
"$plain" "$gen_sql"
"$pond" init
for f in "$work"/batches/*.parquet; do "$pond" copy "host+series://$f" /readings.series; done

# Two queries: a small result (the scan dominates) and a large one, a
# 15-second aggregate with 666,667 rows (the output dominates), written as CSV
# and as JSON. The peer is DuckDB writing the same result with its own CSV or
# JSON writer (COPY ... TO '/dev/stdout'), what a user would run instead.
small_body="SELECT station, date_trunc('hour', timestamp) h, avg(a), min(b), max(c) FROM %s GROUP BY ALL ORDER BY ALL"
large_body="SELECT time_bucket(INTERVAL '15 seconds', timestamp) t, avg(a) a, min(b) b, max(c) c FROM %s GROUP BY ALL ORDER BY ALL"
pond_src="'/readings.series'"
plain_src="read_parquet('$work/batches/*.parquet')"

# Same rows, values equal to 1e-9 (parallel float sums differ in the last digits).
same_rows() {
  python3 - "$1" "$2" <<'PY'
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
}
# Same JSON values (numbers to 1e-9).
same_json() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def close(x, y):
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return abs(x - y) <= 1e-9 * max(1.0, abs(y))
    return x == y
key = lambda r: str(r.get("t"))
a, b = sorted(a, key=key), sorted(b, key=key)
ok = len(a) == len(b) and all(r.keys() == s.keys() and all(close(r[k], s[k]) for k in r) for r, s in zip(a, b))
print("yes" if ok else "no")
PY
}

med() { jq -r ".results[$2].median * 1000 | . * 10 | round / 10" "$1"; }
rss() { awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }
rows=$((versions * rows_per))

# bench_case NAME BODY FORMAT: pond query against DuckDB's own writer, one run.
bench_case() {
  local name="$1" body="$2" fmt="$3"
  local pond_q plain_q same n
  pond_q=$(printf "$body" "$pond_src"); plain_q=$(printf "$body" "$plain_src")
  "$pond" query "$pond_q" --format "$fmt" > "$work/$name.pond"
  "$plain" "--$fmt" "$plain_q" > "$work/$name.plain"
  if [ "$fmt" = csv ]; then
    tail -n +2 "$work/$name.pond" | sort > "$work/$name.pond.sorted"
    tail -n +2 "$work/$name.plain" | sed 's/+00$//; s/+00,/,/' | sort > "$work/$name.plain.sorted"
    sed -i 's/+00$//; s/+00,/,/' "$work/$name.pond.sorted"
    same=$(same_rows "$work/$name.pond.sorted" "$work/$name.plain.sorted")
    n=$(wc -l < "$work/$name.pond.sorted")
  else
    same=$(same_json "$work/$name.pond" "$work/$name.plain")
    n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$work/$name.pond")
  fi
  hyperfine -N --warmup 2 --runs 10 --export-json "$work/$name.json" \
    "$pond query \"$pond_q\" --format $fmt" "$plain --$fmt \"$plain_q\"" >/dev/null 2>&1
  /usr/bin/time -v "$pond" query "$pond_q" --format "$fmt" > /dev/null 2> "$work/$name.pond.time"
  /usr/bin/time -v "$plain" "--$fmt" "$plain_q" > /dev/null 2> "$work/$name.plain.time"
  local p d
  p=$(med "$work/$name.json" 0); d=$(med "$work/$name.json" 1)
  echo "| $name | $n | $same | $p | $d | $(ratio "$p" "$d") | $(rss "$work/$name.pond.time") / $(rss "$work/$name.plain.time") |"
}

echo "### $rows rows in $versions versions: pond query against DuckDB's own writers (whole process, median of 10, output to /dev/null)"
echo
echo "| query, format | result rows | same values | pond ms | DuckDB ms | ratio | peak RSS MiB pond / DuckDB |"
echo "|---|---|---|---|---|---|---|"
bench_case "hourly per station, csv" "$small_body" csv
bench_case "15 s buckets, csv" "$large_body" csv
bench_case "15 s buckets, json" "$large_body" json
echo

# Memory stays bounded for a result far larger than any buffer: 30 million
# generated rows (about 1 GiB of CSV), streamed to /dev/null.
huge="SELECT i, i * 1.5 AS x, 'row ' || i AS s FROM range(30000000) t(i)"
/usr/bin/time -v "$pond" query "$huge" --format csv > /dev/null 2> "$work/huge.pond.time"
/usr/bin/time -v "$plain" --csv "$huge" > /dev/null 2> "$work/huge.plain.time"
secs() { awk -F': ' '/Elapsed \(wall clock\)/ {split($2, t, ":"); printf "%.2f", t[1] * 60 + t[2]}' "$1"; }
echo "### A 30,000,000-row result (about 1 GiB of CSV) to /dev/null, one run each"
echo
echo "| runner | seconds | peak RSS MiB |"
echo "|---|---|---|"
echo "| pond query --format csv | $(secs "$work/huge.pond.time") | $(rss "$work/huge.pond.time") |"
echo "| DuckDB COPY TO /dev/stdout (FORMAT csv) | $(secs "$work/huge.plain.time") | $(rss "$work/huge.plain.time") |"
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
