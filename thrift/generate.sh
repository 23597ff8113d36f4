#!/usr/bin/env bash
# Regenerates the committed C# for thrift/fdsapi.thrift with Debian's thrift-compiler.
#   thrift/generate.sh          rewrite src/SessionManager.FdsApi.Generated/gen
#   thrift/generate.sh --check  exit 1 if the committed code differs from a fresh generation
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../src/SessionManager.FdsApi.Generated/gen"
want_version="0.17.0"

command -v thrift >/dev/null || { echo "thrift-compiler is not installed (apt-get install thrift-compiler)" >&2; exit 2; }
have=$(thrift --version | awk '{print $3}')
[ "$have" = "$want_version" ] || { echo "thrift $have found, the committed code is from $want_version" >&2; exit 2; }

tmp=$(mktemp -d)
# The diff goes beside the fresh code, not inside it (diff -r would compare it too); both go at exit.
diff_out=$(mktemp)
trap 'rm -rf "$tmp" "$diff_out"' EXIT
# netstd options: C# 8+ features, PascalCase properties, typed unions.
thrift --gen netstd:net6,pascal,union -out "$tmp" "$here/fdsapi.thrift"

if [ "${1:-}" = "--check" ]; then
  if diff -r -u "$out" "$tmp" >"$diff_out" 2>&1; then
    echo "thrift: generated C# is in sync with thrift/fdsapi.thrift"
  else
    cat "$diff_out" >&2
    echo "thrift: generated C# differs from thrift/fdsapi.thrift: run thrift/generate.sh and commit" >&2
    exit 1
  fi
else
  rm -rf "$out"
  mkdir -p "$out"
  cp -r "$tmp"/. "$out"/
  echo "thrift: regenerated $out"
fi
