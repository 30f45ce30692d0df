#!/usr/bin/env bash
# The remotes benchmark (issue 9), side by side in one run:
#  1. `pond push` of a pond of 10,000 files of 1 KiB and one 1 GiB file to a
#     file:// remote, against `rsync -a` of $POND/data to the same disk
#     (each into a fresh folder; with and without a `sync` after, since a
#     push makes every object durable and rsync does not);
#  2. an incremental push after one more small file: what it sends, against
#     rsync's own incremental transfer of the same change;
#  3. a 1 GiB file pushed to a local S3 server (tests/s3/strict_s3.js, in
#     memory), against the AWS SDK for JavaScript uploading the same file to
#     the same server (multipart, 16 MiB parts, 4 at a time).
#
#   bench/remote_bench.sh [WORKDIR]     (default /tmp/pond-remote-bench; ~4 GiB free)
#   POND_BENCH_QUICK=1 ...              1,000 files and 64 MiB, for a smoke run
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pond="$root/build/pond"
work="${1:-/tmp/pond-remote-bench}"
files=10000; big_mib=1024
[ -n "${POND_BENCH_QUICK:-}" ] && files=1000 && big_mib=64
rm -rf "$work" && mkdir -p "$work/src"
export POND="$work/pond" POND_LOCK_TIMEOUT_MS=60000

# The pond: one copy -r of the small files, one copy of the big one.
python3 - "$work/src" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "small", f"d{i // 1000:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:05d}"), "wb") as f:
        f.write((f"{i:05d}" * 205)[:1024].encode())
PY
head -c $((big_mib << 20)) /dev/urandom > "$work/src/big.bin"
"$pond" init >/dev/null
"$pond" copy -r "$work/src/small" /small >/dev/null
"$pond" copy "$work/src/big.bin" /big.bin >/dev/null
data_mib=$(du -sm "$POND/data" | cut -f1)

med() { jq -r ".results[$2].median * 1000 | . * 10 | round / 10" "$1"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }

# 1. Full push vs rsync -a, fresh destination each run.
hyperfine -N --runs 3 --export-json "$work/full.json" \
  --prepare "rm -rf $work/remote" "$pond push file://$work/remote" \
  --prepare "rm -rf $work/rsync" "rsync -a $POND/data/ $work/rsync/" \
  --prepare "rm -rf $work/rsync" "sh -c 'rsync -a $POND/data/ $work/rsync/ && sync -f $work/rsync'" \
  >/dev/null 2>&1
p=$(med "$work/full.json" 0); r=$(med "$work/full.json" 1); rs=$(med "$work/full.json" 2)

# 2. One more small file: what each sends.
rm -rf "$work/remote" "$work/rsync"
"$pond" push "file://$work/remote" >/dev/null
rsync -a "$POND/data/" "$work/rsync/"
echo "one more" > "$work/src/one"
"$pond" copy "$work/src/one" /small/one >/dev/null
push_out=$("$pond" push "file://$work/remote")
rsync_out=$(rsync -a --stats "$POND/data/" "$work/rsync/" | awk -F': ' '/Total transferred file size/ {print $2}')

# 3. 1 GiB to a local S3 server: pond vs the AWS SDK for JavaScript.
export AWS_ACCESS_KEY_ID=AKBENCH AWS_SECRET_ACCESS_KEY=bench-secret NODE_NO_WARNINGS=1
mkfifo "$work/stop"
(node "$root/tests/s3/strict_s3.js" --bucket bench --access-key AKBENCH --secret bench-secret \
  < "$work/stop" > "$work/server.out" &)
exec 9> "$work/stop"  # the server stops when this closes
for _ in $(seq 50); do grep -q PORT "$work/server.out" 2>/dev/null && break; sleep 0.1; done
endpoint="http://127.0.0.1:$(awk '/PORT/ {print $2}' "$work/server.out")"
export POND="$work/bigpond"
"$pond" init >/dev/null
"$pond" copy "$work/src/big.bin" /big.bin >/dev/null
hyperfine -N --runs 3 --export-json "$work/s3.json" \
  --prepare "true" "sh -c '$pond push s3://bench/p\$(date +%s%N) --endpoint $endpoint >/dev/null'" \
  "node $root/tests/s3/sdk.js upload $endpoint bench sdk/big.bin $work/src/big.bin" \
  >/dev/null 2>&1
exec 9>&-
sp=$(med "$work/s3.json" 0); ss=$(med "$work/s3.json" 1)
mibs() { python3 -c "print(f'{$big_mib / ($1 / 1000):.0f}')"; }

echo "### Push to file:// vs rsync -a ($files files of 1 KiB + one $big_mib MiB file; \$POND/data is $data_mib MiB; median of 3)"
echo
echo "| run | median ms | vs rsync -a | vs rsync -a + sync |"
echo "|---|---|---|---|"
echo "| pond push file:// (every object fsynced) | $p | $(ratio $p $r) | $(ratio $p $rs) |"
echo "| rsync -a | $r | 1.00x | - |"
echo "| rsync -a, then sync -f | $rs | - | 1.00x |"
echo
echo "After one more small file: pond said \"$push_out\"; rsync transferred $rsync_out."
echo
echo "### $big_mib MiB file to a local S3 server (tests/s3/strict_s3.js; median of 3)"
echo
echo "| run | median ms | MiB/s | vs AWS SDK |"
echo "|---|---|---|---|"
echo "| pond push s3:// (whole process: pond open, log, multipart 16 MiB x4) | $sp | $(mibs $sp) | $(ratio $ss $sp) of its throughput |"
echo "| AWS SDK for JavaScript, multipart 16 MiB x4 | $ss | $(mibs $ss) | 1.00x |"
