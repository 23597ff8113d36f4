#!/usr/bin/env bash
# Builds the interop peers from the project's own IDL, so a change to proto/ or thrift/ is
# exercised against the real protobuf-c and Apache Thrift C++ libraries that RDS servers and
# WTSAPI clients link.
#   usage: tests/interop/build.sh OUTDIR
# Produces OUTDIR/icp_peer, OUTDIR/fdsapi_client, the generated code in OUTDIR/gen and the
# objects of the generated Thrift code (OUTDIR/gen/*.o, reused by bench/e2e/run.sh).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 1
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
gen="$out/gen"
rm -rf "$gen"
mkdir -p "$gen"

protoc-c --c_out="$gen" -I"$root/proto" "$root"/proto/*.proto
thrift --gen cpp -out "$gen" "$root/thrift/fdsapi.thrift"
# The generator also emits an example server; it is not ours to build.
rm -f "$gen"/*.skeleton.cpp

cflags=(-O2 -g -Wall -Wextra -I"$gen")

gcc -std=c99 "${cflags[@]}" -o "$out/icp_peer" \
  "$here/icp_peer.c" "$here/icp_handlers.c" "$here/icp_logon.c" "$gen"/*.pb-c.c \
  $(pkg-config --cflags --libs libprotobuf-c)

# Compiled once, in parallel: the generated Thrift code is the slow part of the build.
pids=()
for src in "$gen"/fdsapi.cpp "$gen"/fdsapi_types.cpp; do
  g++ -std=c++17 "${cflags[@]}" -c -o "${src%.cpp}.o" "$src" $(pkg-config --cflags thrift) &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid"
done

# TSSLSocket (the --tls client, as libogon-otsapi's) is in libthrift and needs OpenSSL.
g++ -std=c++17 "${cflags[@]}" -o "$out/fdsapi_client" \
  "$here/fdsapi_client.cpp" "$gen"/fdsapi.o "$gen"/fdsapi_types.o \
  $(pkg-config --cflags --libs thrift) -lssl -lcrypto
