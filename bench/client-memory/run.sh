#!/usr/bin/env bash
# What 1,000 tokenless fdsapi clients, each sending one large sendMessage and then idling, cost
# the daemon (issue 20 item 2). Publishes the daemon (or takes DAEMON_BIN), starts it with the
# systemd unit's runtime settings and room for the clients (FdsApi:MaxConnections=1100), reads
# its RSS before and after, and prints one line per configuration:
#   defaults:         64 KiB frames (FdsApi:MaxFrameBytes), budget 64 MiB (FdsApi:MaxBufferedBytes)
#   MaxFrameBytes=1M: 1 MiB frames, as in the issue's trial, with the same 64 MiB budget
# Settings (environment): COUNT (1000), SETTLE seconds after the last answer (5), DAEMON_BIN.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$here/build"
count="${COUNT:-1000}"
settle="${SETTLE:-5}"
mkdir -p "$build"

if [[ -n "${DAEMON_BIN:-}" ]]; then
  daemon="$(cd "$(dirname "$DAEMON_BIN")" && pwd)/$(basename "$DAEMON_BIN")"
else
  daemon="$build/daemon/SessionManager"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$root/src/SessionManager" -c Release -o "$build/daemon" --nologo -v quiet
fi
unit_env=()
while IFS= read -r pair; do unit_env+=("$pair"); done < <("$root/bench/unit-env.sh")

# 1,000 clients on both ends of loopback.
if (( $(ulimit -n) < 4096 )); then
  ulimit -n 4096 || echo "warning: cannot raise the open-file limit above $(ulimit -n)" >&2
fi

tmp="$(mktemp -d)"
daemon_pid=""
cleanup() {
  if [[ -n $daemon_pid ]]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

run_one() { # label frame_bytes daemon settings...
  local label="$1" frame="$2"; shift 2
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  (cd "$(dirname "$daemon")" && exec env "${unit_env[@]}" "$daemon" --Icp:SocketPath="$tmp/sm.sock" --Control:SocketPath="$tmp/control.sock" --FdsApi:Port="$port" \
    --FdsApi:MaxConnections=1100 --Serilog:MinimumLevel:Default=Warning --Tls:CertificatePath="$tmp/rds.crt" \
    --Tls:KeyPath="$tmp/rds.key" --Sessions:TokenDirectory="$tmp" --Pipes:Directory="$tmp/pipe" "$@") >"$build/daemon-$label.log" 2>&1 &
  daemon_pid=$!
  python3 "$root/bench/e2e/probe_ready.py" --unix "$tmp/sm.sock" --port "$port" --since-ns "$(date +%s%N)" >/dev/null ||
    { echo "the daemon did not start; see $build/daemon-$label.log" >&2; exit 1; }
  sleep 2
  echo "$label: $(python3 "$here/large_frames.py" --port "$port" --pid "$daemon_pid" --count "$count" --frame "$frame" --settle "$settle")"
  kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
}

echo "fdsapi client memory, $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, $count clients"
run_one defaults 65536
run_one MaxFrameBytes=1M 1048576 --FdsApi:MaxFrameBytes=1048576
