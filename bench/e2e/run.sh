#!/usr/bin/env bash
# End-to-end benchmark of the session manager daemon.
#
# Throughput and latency of fdsapi virtualChannelOpen through the daemon (Thrift in, ICP round
# trip to a fake RDS server, Thrift out) against a Thrift server that answers by itself (the
# single-hop limit); plus the daemon's startup time, idle RSS and the RSS of 1,000 idle
# Thrift connections. Everything listens on loopback only.
#
#   bench/e2e/run.sh
# Environment:
#   SECONDS_PER_RUN  measured seconds of each load run (default 5; each has 1 s of warmup)
#   DAEMON_BIN       run this daemon binary instead of publishing src/SessionManager
# Builds into bench/e2e/build; the report is also written to bench/e2e/build/last-run.txt,
# the logs of the daemon and the fake RDS server to bench/e2e/build/*.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$here/build"
seconds="${SECONDS_PER_RUN:-5}"
warmup=1
runs=3
thread_counts=(1 16 64)

mkdir -p "$build"
report="$build/last-run.txt"
: >"$report"

say() { printf '%s\n' "$*" | tee -a "$report"; }
fail() { say "error: $*"; exit 1; }

# --- build -------------------------------------------------------------------------------
"$root/tests/interop/build.sh" "$build"
for prog in load_client single_hop_server; do
  g++ -std=c++20 -O2 -Wall -Wextra -I"$build/gen" -o "$build/$prog" "$here/$prog.cpp" \
    "$build/gen/fdsapi.o" "$build/gen/fdsapi_types.o" $(pkg-config --cflags --libs thrift-nb) \
    $(pkg-config --libs libevent) -pthread # libthriftnb.so does not pull in libevent itself
done
daemon="${DAEMON_BIN:-$build/daemon/SessionManager}"
if [[ -z "${DAEMON_BIN:-}" ]]; then
  dotnet publish "$root/src/SessionManager" -c Release -o "$build/daemon" --nologo -v quiet
fi

# --- processes ---------------------------------------------------------------------------
tmp="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1,000 idle connections plus the load threads need more descriptors than some defaults.
if (( $(ulimit -n) < 4096 )); then
  ulimit -n 4096 || say "warning: cannot raise the open-file limit above $(ulimit -n)"
fi

# Two distinct free loopback ports, asked of the kernel at once so they differ.
read -r daemon_port single_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
icp_socket="$tmp/sm.sock"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
# The value of key=value in a line of key=value pairs.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# Waits up to 10 s for a line in a log file written by process $1.
wait_for_line() {
  local pid="$1" file="$2" line="$3" i
  for ((i = 0; i < 200; i++)); do
    grep -qx "$line" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

say "SessionManager end-to-end benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs," \
  "${seconds} s per run after ${warmup} s warmup, median of ${runs} runs"

# Start-up: median of 3 starts, each timed from exec until both sockets accept.
startup_ms="$(python3 "$here/startup.py" --unix "$icp_socket" --port "$daemon_port" --runs 3 -- \
  "$daemon" --Icp:SocketPath="$icp_socket" --FdsApi:Port="$daemon_port")" ||
  fail "the daemon did not start"

# The daemon finds its appsettings.json in the working directory.
(cd "$(dirname "$daemon")" && exec "$daemon" --Icp:SocketPath="$icp_socket" \
  --FdsApi:Port="$daemon_port" --Serilog:MinimumLevel:Default=Warning) >"$build/daemon.log" 2>&1 &
daemon_pid=$!
pids+=("$daemon_pid")
python3 "$here/probe_ready.py" --unix "$icp_socket" --port "$daemon_port" --since-ns "$(date +%s%N)" >/dev/null ||
  fail "the daemon did not start; see $build/daemon.log"

"$build/icp_peer" --socket "$icp_socket" --quiet >"$build/icp_peer.log" 2>&1 &
peer_pid=$!
pids+=("$peer_pid")
wait_for_line "$peer_pid" "$build/icp_peer.log" "ping ok" ||
  fail "the fake RDS server did not get through handshake and ping; see $build/icp_peer.log"

sleep 1
idle_kb="$(rss_kb "$daemon_pid")"
conn_line="$(python3 "$here/rss_connections.py" --port "$daemon_port" --pid "$daemon_pid" \
  --count 1000 --settle 2)"
conn_before="$(field rss_before_kb "$conn_line")"
conn_after="$(field rss_after_kb "$conn_line")"

say "startup_ms=$startup_ms (median of 3: exec until the ICP socket and the Thrift port accept)"
say "idle_rss_mb=$(mb "$idle_kb")"
say "connections_rss_delta_mb=$(mb $((conn_after - conn_before))) ($(field connections "$conn_line")" \
  "idle connections; $(mb "$conn_before") MB -> $(mb "$conn_after") MB)"

"$build/single_hop_server" --port "$single_port" >"$build/single_hop_server.log" 2>&1 &
pids+=($!)
python3 "$here/probe_ready.py" --port "$single_port" --since-ns "$(date +%s%N)" >/dev/null ||
  fail "single_hop_server did not start; see $build/single_hop_server.log"

# --- load --------------------------------------------------------------------------------
# One load_client line; a client that died without printing counts as one error.
run_load() {
  local line
  line="$("$build/load_client" --host 127.0.0.1 --port "$1" --threads "$2" \
    --seconds "$seconds" --warmup-seconds "$warmup" 2>>"$build/load_client.log")" || true
  echo "${line:-calls=0 seconds=0 calls_per_s=0 p50_us=0 p99_us=0 errors=1}"
}

: >"$build/load_client.log"
rows=()
declare -A m
for n in "${thread_counts[@]}"; do
  m=()
  errors=0
  # Alternating A B A B ... spreads drift (thermal, other load) over both sides.
  for ((i = 1; i <= runs; i++)); do
    for side in daemon single; do
      if [[ $side == daemon ]]; then port="$daemon_port"; else port="$single_port"; fi
      line="$(run_load "$port" "$n")"
      say "  threads=$n $side run $i: $line"
      for key in calls_per_s p50_us p99_us; do m[$side.$key]+=" $(field "$key" "$line")"; done
      if [[ $side == daemon ]]; then errors=$((errors + $(field errors "$line"))); fi
    done
  done
  for key in "${!m[@]}"; do m[$key]="$(median ${m[$key]})"; done
  rows+=("$(printf '%7s %12s %9s %9s %12s %9s %9s %9s %9s %8s' "$n" \
    "${m[daemon.calls_per_s]}" "${m[daemon.p50_us]}" "${m[daemon.p99_us]}" \
    "${m[single.calls_per_s]}" "${m[single.p50_us]}" "${m[single.p99_us]}" \
    "$(ratio "${m[daemon.calls_per_s]}" "${m[single.calls_per_s]}")" \
    "$(ratio "${m[daemon.p99_us]}" "${m[single.p99_us]}")" "$errors")")
done

kill -0 "$daemon_pid" 2>/dev/null || say "warning: the daemon exited during the run; see $build/daemon.log"
say ""
say "virtualChannelOpen, closed loop, one connection per thread (medians; latencies in us):"
say "$(printf '%7s %12s %9s %9s %12s %9s %9s %9s %9s %8s' threads daemon/s d_p50 d_p99 \
  single/s s_p50 s_p99 ratio/s ratio_p99 d_errors)"
for row in "${rows[@]}"; do say "$row"; done
