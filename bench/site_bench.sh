#!/usr/bin/env bash
# The site benchmark (issue 10), side by side in one run:
#  1. building the site for 20 series x 3 resolutions (1h, 6h, 1d) x 1 year of
#     minute data, against `pond export` of the same series with the same
#     partitioning (by year) — both from the computed (cached) reductions;
#  2. a rebuild with nothing changed (data files are linked, not rewritten);
#  3. what a browser transfers for the first view of a data page (fresh
#     browser context: HTML, JS, CSS, manifest and data).
#
#   bench/site_bench.sh [WORKDIR]     (default /tmp/pond-site-bench)
#   POND_BENCH_QUICK=1 ...            4 series, for a smoke run
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="$root/build/pond"
work="${1:-/tmp/pond-site-bench}"
stations=20
[ -n "${POND_BENCH_QUICK:-}" ] && stations=4
rm -rf "$work" && mkdir -p "$work"
export POND="$work/pond" POND_LOCK_TIMEOUT_MS=60000

"$pond" init >/dev/null
"$pond" mkdir /raw
for ((i = 0; i < stations; i++)); do
  cat > "$work/s$i.yaml" <<YAML
start: 2025-01-01T00:00:00Z
end: 2025-12-31T23:59:00Z
interval: 1m
points:
  - name: temperature.C
    components:
      - {type: sine, amplitude: 5, period: 1d, offset: $((10 + i))}
      - {type: sine, amplitude: 8, period: 365d}
  - name: conductivity.uS
    components:
      - {type: sine, amplitude: 50, period: 7d, offset: 400}
YAML
  "$pond" mknod synthetic-timeseries "/raw/s$(printf %02d $i).series" --config-path "$work/s$i.yaml"
done
cat > "$work/reduce.yaml" <<'YAML'
in_pattern: series:///raw/*.series
out_pattern: $0
time_column: timestamp
resolutions: [1h, 6h, 1d]
aggregations:
  - {type: avg}
  - {type: min}
  - {type: max}
YAML
"$pond" mknod temporal-reduce /reduced --config-path "$work/reduce.yaml"
cat > "$work/site.yaml" <<'YAML'
site: {title: Bench}
pages:
  - {name: s, pattern: /reduced/*/res=*.series}
YAML
"$pond" mknod sitegen /system/site --config-path "$work/site.yaml"
# Compute every reduction once (both commands then read the cached results).
"$pond" export -p '/reduced/*/res=*.series' --dir "$work/warm" --temporal year >/dev/null

med() { jq -r ".results[$2].median * 1000 | . * 10 | round / 10" "$1"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }
hyperfine -N --runs 5 --export-json "$work/build.json" \
  --prepare "rm -rf $work/site" "$pond run /system/site build $work/site" \
  --prepare "rm -rf $work/export" "$pond export -p /reduced/*/res=*.series --dir $work/export --temporal year" \
  >/dev/null 2>&1
b=$(med "$work/build.json" 0); e=$(med "$work/build.json" 1)
"$pond" run /system/site build "$work/site" >/dev/null
hyperfine -N --runs 5 --export-json "$work/rebuild.json" "$pond run /system/site build $work/site" >/dev/null 2>&1
rb=$(med "$work/rebuild.json" 0)
rebuilt=$("$pond" run /system/site build "$work/site")

# First view of one data page, from a fresh browser context.
mkfifo "$work/stop"
(node "$root/tests/site/serve.js" "$work/site" < "$work/stop" > "$work/serve.out" &)
exec 9> "$work/stop"
for _ in $(seq 50); do grep -q PORT "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/PORT/ {print $2}' "$work/serve.out")
weight=$(cd "$root/tests/site" && node -e "
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  const page = await (await browser.newContext()).newPage();
  let bytes = 0, files = 0, parquet = 0;
  page.on('response', async (r) => { try { const n = (await r.body()).length; bytes += n; files++; if (r.url().endsWith('.parquet')) parquet += n; } catch (e) {} });
  const t0 = Date.now();
  await page.goto('http://127.0.0.1:$port/s-s00.html', { waitUntil: 'load' });
  await page.waitForSelector('.chart[data-state=drawn]', { timeout: 20000 });
  const ms = Date.now() - t0;
  await page.waitForTimeout(300);
  console.log(JSON.stringify({ bytes, files, parquet, ms }));
  await browser.close();
})();")
exec 9>&-
kb() { python3 -c "import json; d=json.loads('$weight'); print(round(d['$1']/1024, 1))"; }
field() { python3 -c "import json; print(json.loads('$weight')['$1'])"; }

echo "### Building the site: $stations series x 3 resolutions x 1 year of minute data (median of 5)"
echo
echo "| run | median ms | vs pond export |"
echo "|---|---|---|"
echo "| pond run /system/site build (pages, manifests, assets, data by year) | $b | $(ratio $b $e) |"
echo "| pond export --temporal year, the same series | $e | 1.00x |"
echo "| rebuild, nothing changed | $rb | $(ratio $rb $e) |"
echo
echo "Rebuild said: \"$rebuilt\"."
echo
echo "First view of a data page (fresh browser context, no compression): $(kb bytes) KiB in $(field files) responses, of which Parquet $(kb parquet) KiB; chart drawn $(field ms) ms after navigation."
