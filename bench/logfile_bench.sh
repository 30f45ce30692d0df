#!/usr/bin/env bash
# The log-ingestion benchmark (issue 11): a log that grows to 1 GiB in 100
# increments of 10 MiB, `pond run NODE ingest` after each. Each increment
# should cost time in proportion to what was appended, not to the file's
# size: the first and the hundredth are reported (whole processes), with
# `cat` of the same 10 MiB as the peer for reading the appended bytes.
#
#   bench/logfile_bench.sh [WORKDIR]     (default /tmp/pond-logfile-bench; ~2.5 GiB free)
#   POND_BENCH_QUICK=1 ...               10 increments of 1 MiB
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="$root/build/pond"
work="${1:-/tmp/pond-logfile-bench}"
steps=100; mib=10
[ -n "${POND_BENCH_QUICK:-}" ] && steps=10 && mib=1
rm -rf "$work" && mkdir -p "$work/logs"
export POND="$work/pond"
"$pond" init >/dev/null
printf 'pattern: %s/logs/*.log\ntarget: /logs\nformat: lines\n' "$work" > "$work/logs.yaml"
"$pond" mknod logfile-ingest /system/etc/logs --config-path "$work/logs.yaml"
# One increment: $mib MiB of log lines.
python3 - "$work/chunk" "$mib" <<'PY'
import sys
path, mib = sys.argv[1], int(sys.argv[2])
line = "2026-01-01T00:00:00Z station=north level=1.234 temperature=20.5 status=ok\n"
n = mib * 1024 * 1024 // len(line)
open(path, "w").write(line * n)
PY
ms() { python3 -c "import sys; print(round(float(sys.argv[1]) * 1000, 1))" "$1"; }
times=()
for ((i = 1; i <= steps; i++)); do
  cat "$work/chunk" >> "$work/logs/station.log"
  start=$(date +%s.%N)
  "$pond" run /system/etc/logs ingest > /dev/null
  end=$(date +%s.%N)
  times+=("$(python3 -c "print($end - $start)")")
done
size=$(du -m "$work/logs/station.log" | cut -f1)
start=$(date +%s.%N); tail -c $((mib << 20)) "$work/logs/station.log" > /dev/null; end=$(date +%s.%N)
peer=$(python3 -c "print($end - $start)")
bytes=$("$pond" query "SELECT 1" >/dev/null; for v in 1 $steps; do "$pond" cat /logs/station.log --version $v | wc -c; done | paste -sd' ')
echo "### A log growing to $size MiB in $steps increments of $mib MiB, ingested after each"
echo
echo "| increment | file size before | ms (whole process) |"
echo "|---|---|---|"
echo "| first | 0 MiB | $(ms ${times[0]}) |"
echo "| hundredth (last) | $(( (steps - 1) * mib )) MiB | $(ms ${times[$((steps - 1))]}) |"
echo "| median of all | - | $(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (steps + 1) / 2 ))p" | xargs -I{} python3 -c "print(round({} * 1000, 1))") |"
echo
echo "Bytes in the first and last versions: $bytes; reading the last $mib MiB of the file with tail -c: $(ms $peer) ms."
