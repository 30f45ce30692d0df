#!/usr/bin/env bash
# Installs what DuckPond needs to build and test, on Debian 12, as root.
# Idempotent: a second run checks and returns in about a second.
#   - Debian packages through apt (only those missing)
#   - DuckDB 1.4.4 headers and libduckdb.so from the npm registry, pinned by integrity hash,
#     unpacked into third_party/duckdb (git-ignored)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

packages=(build-essential cmake g++ git pkg-config googletest libgtest-dev libgmock-dev
  libbenchmark-dev libfmt-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev nettle-dev
  libsqlite3-dev libsimdjson-dev libcurl4-openssl-dev libpugixml-dev libcmark-dev rsync chromium curl nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from outside apt (a machine's own Node.js): accept a working npm.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# DuckDB, pinned: the same version for headers and library so the C++ API is safe to use.
duck="$root/third_party/duckdb"
stamp="$duck/.installed-1.4.4-r.4"
if [ ! -f "$stamp" ]; then
  declare -A integrity=(
    ["duckdb@1.4.4"]="sha512-hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog=="
    ["@duckdb/node-bindings-linux-x64@1.4.4-r.4"]="sha512-jBTL/WvfwxLToFa/pVHfT6elMtltJGnc3wSuxZD9OfMltit9YUdVFS37vBFQzXMT1Z8OWjtSjMh+zPKxOwHLHA=="
  )
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  for spec in "${!integrity[@]}"; do
    file="$(cd "$tmp" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)"
    got="sha512-$(openssl dgst -sha512 -binary "$tmp/$file" | base64 -w0)"
    if [ "$got" != "${integrity[$spec]}" ]; then
      echo "setup: integrity check failed for $spec (got $got)" >&2
      exit 1
    fi
    mkdir -p "$tmp/x-$file" && tar xzf "$tmp/$file" -C "$tmp/x-$file"
  done
  rm -rf "$duck" && mkdir -p "$duck/lib"
  cp -r "$tmp"/x-duckdb-1.4.4.tgz/package/src/duckdb/src/include "$duck/include"
  cp "$tmp"/x-duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz/package/libduckdb.so "$duck/lib/"
  cp "$tmp"/x-duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz/package/LICENSE "$duck/LICENSE"
  touch "$stamp"
  echo "setup: DuckDB 1.4.4 installed in $duck" >&2
fi

# The npm trees the build and the tests use, each pinned (versions and
# integrity hashes) in its package-lock.json, installed with npm ci:
#   src/factory/site   uPlot, hyparquet and esbuild (embedded into pond at build time)
#   tests/site         playwright-core (drives Debian's chromium; downloads no browser)
#   tests/s3           s3rver and the AWS SDK for JavaScript
for dir in src/factory/site tests/site tests/s3; do
  tree="$root/$dir"
  if [ ! -f "$tree/node_modules/.installed" ] || [ "$tree/package-lock.json" -nt "$tree/node_modules/.installed" ]; then
    (cd "$tree" && npm ci --no-audit --no-fund --silent)
    touch "$tree/node_modules/.installed"
    echo "setup: npm packages installed in $dir/node_modules" >&2
  fi
done
