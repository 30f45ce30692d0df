#!/usr/bin/env bash
# The factory benchmark (issue 8): temporal-reduce at 1h/6h/1d over a series
# of 10 million rows in 100 versions (the SQL benchmark's data), read as CSV
# through `pond cat`, against plain DuckDB (bench/plain_query, the same
# library, nothing of ours) running the equivalent time_bucket GROUP BY over
# the same Parquet files and writing CSV with its own writer
# (COPY ... TO '/dev/stdout'), both whole processes, side by side in one run.
# Then the incremental case: one more version with 1% more rows.
#
#   bench/factory_bench.sh [WORKDIR]      (default /tmp/pond-factory-bench; ~1 GiB free)
#   POND_BENCH_QUICK=1 ...                1 million rows, for a smoke run
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="$root/build/pond"
plain="$root/build/bench/plain_query"
work="${1:-/tmp/pond-factory-bench}"
versions=100; rows_per=100000
[ -n "${POND_BENCH_QUICK:-}" ] && rows_per=10000
rm -rf "$work" && mkdir -p "$work/batches"
export POND="$work/pond" POND_LOCK_TIMEOUT_MS=60000

gen() {  # version number -> one batch file, rows one second apart
  echo "COPY (SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds($1 * $rows_per + i) AS timestamp,
    (i % 1000) / 10.0 AS a, (i % 777) / 7.0 AS b FROM range($rows_per) t(i))
    TO '$work/batches/v$(printf %03d "$1").parquet' (FORMAT parquet);"
}
gen_sql=""
for ((v = 0; v < versions; v++)); do gen_sql+="$(gen $v)"; done
"$plain" "$gen_sql" >/dev/null
"$pond" init >/dev/null
for f in "$work"/batches/*.parquet; do "$pond" copy "host+series://$f" /readings.series; done
cat > "$work/reduce.yaml" <<YAML
in_pattern: series:///readings.series
out_pattern: readings
time_column: timestamp
resolutions: [1h, 6h, 1d]
aggregations:
  - {type: avg, columns: [a, b]}
  - {type: min, columns: [a]}
  - {type: max, columns: [b]}
  - {type: count, columns: ["*"]}
YAML
"$pond" mknod temporal-reduce /reduced --config-path "$work/reduce.yaml"

files="read_parquet('$work/batches/*.parquet')"
peer_query="SELECT time_bucket(INTERVAL 1 hour, timestamp) AS timestamp, avg(a) AS a_avg,
  avg(b) AS b_avg, min(a) AS a_min, max(b) AS b_max, count(*) AS n
  FROM $files GROUP BY 1 ORDER BY 1"
peer="COPY ($peer_query) TO '/dev/stdout' (FORMAT csv)"
cat_cmd="$pond cat /reduced/readings/res=1h.series --format csv"
clear_cache="rm -rf $POND/cache/derived $POND/cache/reduce"

# Same rows as the peer (values to 1e-9: parallel float sums differ in the last digits).
$clear_cache
$cat_cmd > "$work/pond.csv"
"$plain" "COPY ($peer_query) TO '$work/plain.csv' (FORMAT csv)" > /dev/null
same=$(python3 - "$work/pond.csv" "$work/plain.csv" <<'PY'
import sys
def rows(p):
    return [l.rstrip("\n").split(",") for l in open(p) if l[:1].isdigit()]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
def close(x, y):
    try:
        return abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(y)))
    except ValueError:
        return x.replace("+00", "") == y.replace("+00", "")
ok = len(a) == len(b) and all(len(r) == len(s) and all(close(x, y) for x, y in zip(r, s)) for r, s in zip(a, b))
print(f"{'yes' if ok else 'no'} ({len(a)} rows)")
PY
)

hyperfine -N --runs 5 --export-json "$work/cold.json" \
  --prepare "sh -c '$clear_cache'" "$cat_cmd" \
  --prepare "true" "$plain \"$peer\"" >/dev/null 2>&1
$clear_cache
/usr/bin/time -v $cat_cmd > /dev/null 2> "$work/pond.time"
/usr/bin/time -v "$plain" "$peer" > /dev/null 2> "$work/plain.time"
hyperfine -N --warmup 1 --runs 10 --export-json "$work/warm.json" "$cat_cmd" >/dev/null 2>&1

# One more version with 1% more rows: its read folds the new version's
# partials onto the rollup of the 100 versions before it. Each timed run
# starts from the cache as the append left it: that rollup (saved here) and
# no result.
reduce_dir=$(ls -d "$POND"/cache/reduce/*/)
cp -a "$reduce_dir/rollup" "$work/rollup.before"
"$plain" "$(gen $versions)" >/dev/null
"$pond" copy "host+series://$work/batches/v$(printf %03d $versions).parquet" /readings.series
reset="rm -rf $POND/cache/derived $reduce_dir/rollup && cp -a $work/rollup.before $reduce_dir/rollup"
hyperfine -N --runs 5 --export-json "$work/incr.json" --prepare "sh -c '$reset'" "$cat_cmd" >/dev/null 2>&1
sh -c "$reset"
# ...and gives exactly the rows of a recomputation from an empty cache.
$cat_cmd > "$work/incr.csv"
$clear_cache
$cat_cmd > "$work/full.csv"
exact=$(cmp -s "$work/incr.csv" "$work/full.csv" && echo yes || echo no)

med() { jq -r ".results[$2].median * 1000 | . * 10 | round / 10" "$1"; }
rss() { awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
c=$(med "$work/cold.json" 0); p=$(med "$work/cold.json" 1)
w=$(med "$work/warm.json" 0); i=$(med "$work/incr.json" 0)
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }
echo "### temporal-reduce, $((versions * rows_per)) rows in $versions versions, res=1h as CSV (same rows as plain DuckDB: $same)"
echo
echo "| run | median ms | vs plain DuckDB | peak RSS MiB |"
echo "|---|---|---|---|"
echo "| pond cat, first computation (empty cache; median of 5) | $c | $(ratio $c $p) | $(rss "$work/pond.time") |"
echo "| plain DuckDB: time_bucket GROUP BY, COPY TO stdout (median of 5) | $p | 1.00x | $(rss "$work/plain.time") |"
echo "| pond cat, cached (median of 10) | $w | $(ratio $w $p) | - |"
echo "| pond cat after appending 1% more rows (median of 5) | $i | $(ratio $i $p) | - |"
echo
extra=$(python3 -c "print(round($i - $w, 1))")
echo "Incremental read / first computation, whole process: $(ratio $i $c). What the append adds to a read (incremental minus cached, $extra ms) / first computation: $(ratio $extra $c). Incremental result equals a recomputation from an empty cache: $exact."
