#!/usr/bin/env bash
# The collector benchmark (issue 11): 1 million readings (10 devices x
# 100,000: 4 parameters x 25,000 timestamps) collected in one run from the
# local HydroVu stand-in (tests/hydrovu/standin.js, fixture in memory, pages
# of 5,000 timestamps). The pond's own work is the run's time minus its time
# waiting on the server (pond -v: "hydrovu: collect" minus "hydrovu: waiting
# on the server"); peak RSS of the whole process.
#
#   bench/hydrovu_bench.sh [WORKDIR]     (default /tmp/pond-hydrovu-bench)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="$root/build/pond"
work="${1:-/tmp/pond-hydrovu-bench}"
rm -rf "$work" && mkdir -p "$work"
export POND="$work/pond" HV_ID=bench HV_SECRET=bench-secret NODE_NO_WARNINGS=1
python3 - "$work/fixture.json" <<'PY'
import json, sys
start = 1767225600
devices = {}
for d in range(10):
    devices[str(1000 + d)] = [
        {"parameterId": str(p), "unitId": "10",
         "readings": [{"timestamp": start + 60 * i, "value": d + p + i / 1000} for i in range(25000)]}
        for p in range(1, 5)]
json.dump({"names": {"parameters": {"1": "Temperature", "2": "Pressure", "3": "Conductivity", "4": "Level"},
                     "units": {"10": "x"}}, "devices": devices}, open(sys.argv[1], "w"))
PY
mkfifo "$work/stop"
(node "$root/tests/hydrovu/standin.js" --fixture "$work/fixture.json" --client-id bench \
  --client-secret bench-secret --page-size 5000 < "$work/stop" > "$work/server.out" &)
exec 9> "$work/stop"
for _ in $(seq 100); do grep -q PORT "$work/server.out" 2>/dev/null && break; sleep 0.1; done
endpoint="http://127.0.0.1:$(awk '/PORT/ {print $2}' "$work/server.out")/"
"$pond" init >/dev/null
{
  printf 'client_id: ${env:HV_ID}\nclient_secret: ${env:HV_SECRET}\nhydrovu_path: /hydrovu\n'
  printf 'max_points_per_run: 10000000\nbase_url: %s\ndevices:\n' "$endpoint"
  for d in $(seq 0 9); do printf '  - {name: d%d, id: %d}\n' "$d" $((1000 + d)); done
} > "$work/hv.yaml"
"$pond" mknod hydrovu /system/etc/hydrovu --config-path "$work/hv.yaml"
/usr/bin/time -v "$pond" -v run /system/etc/hydrovu collect > "$work/out.txt" 2> "$work/err.txt"
exec 9>&-
total=$(awk '/time hydrovu: collect/ {print $4}' "$work/err.txt")
waiting=$(awk '/time hydrovu: waiting on the server/ {print $7}' "$work/err.txt")
commit=$(awk '/^time commit:/ {print $3}' "$work/err.txt")
rss=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/err.txt")
rows=$("$pond" query "SELECT count(*) FROM '/hydrovu/devices/*/*.series'" --format csv | tail -1)
python3 - "$total" "$waiting" "$rss" "$rows" "$(cat "$work/out.txt")" "${commit:-0}" <<'PY'
import sys
total, waiting, rss, rows, said = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
commit = float(sys.argv[6])
own = total - waiting + commit
print("### Collecting 1,000,000 HydroVu readings (10 devices x 100,000) from the local stand-in")
print()
print("| what | value |")
print("|---|---|")
print(f"| the run, whole (`hydrovu: collect`) | {total:.0f} ms |")
print(f"| of which waiting on the server | {waiting:.0f} ms |")
print(f"| the commit, after the run | {commit:.0f} ms |")
print(f"| the pond's own work (parsing, joining, writing, committing) | {own:.0f} ms |")
print(f"| readings per second of the pond's own work | {1e6 / (own / 1000):,.0f} |")
print(f"| peak RSS | {rss} MiB |")
print()
print(f"The run said: \"{said.strip()}\"; rows stored: {rows} (250,000 timestamps).")
PY
