#!/usr/bin/env bash
# End-to-end benchmark of the session manager daemon.
#
# Throughput, latency and CPU per call of fdsapi virtualChannelOpen through the daemon
# (Thrift in, ICP round trip to a fake RDS server, Thrift out) against a Thrift server that
# answers by itself (the single-hop limit); plus the daemon's startup time, idle RSS and the
# RSS of 1,000 idle Thrift connections. Everything listens on loopback only.
#
#   bench/e2e/run.sh            # full: 3 x (5 s daemon, 5 s single-hop) per client count
#   bench/e2e/run.sh --quick    # checks the script itself: 1 x 1 s each (same as QUICK=1)
# Environment (each overrides the full or quick default):
#   DURATION    measured seconds of each load run (default 5, quick 1; SECONDS_PER_RUN is
#               the old name)
#   WARMUP      seconds of load before each measured window (default 1, quick 0.5)
#   PREWARM     seconds of 16-client load on the daemon before the first run, not measured
#               (default 5, quick 1): the runtime's tiered JIT recompiles the hot path in the
#               daemon's first seconds of load, a one-time cost a long-running daemon has paid
#   REPS        alternating daemon/single-hop pairs per client count, medians over them
#               (default 3, quick 1)
#   CLIENTS     client counts (default "1 16 64")
#   DAEMON_BIN  run this daemon binary instead of publishing src/SessionManager
#   DAEMON_ARGS more daemon settings, space-separated (e.g. "--Metrics:Listen=127.0.0.1:9464")
# Needs the .NET 10 SDK (unless DAEMON_BIN), python3, and the Debian packages the test
# command installs (installed here too, with apt-get, if missing).
# Builds into bench/e2e/build; the report is also written to bench/e2e/build/last-run.txt,
# the logs of the daemon and the fake RDS server to bench/e2e/build/*.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$here/build"

quick="${QUICK:-0}"
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "usage: $0 [--quick]   (see the environment variables at the top of $0)" >&2; exit 1 ;;
esac
if [[ $quick == 1 ]]; then d_seconds=1 d_warmup=0.5 d_reps=1 d_prewarm=1; else d_seconds=5 d_warmup=1 d_reps=3 d_prewarm=5; fi
seconds="${DURATION:-${SECONDS_PER_RUN:-$d_seconds}}"
warmup="${WARMUP:-$d_warmup}"
prewarm="${PREWARM:-$d_prewarm}"
runs="${REPS:-$d_reps}"
read -ra thread_counts <<<"${CLIENTS:-1 16 64}"
positive='^[0-9]+([.][0-9]+)?$'
[[ $seconds =~ $positive && $warmup =~ $positive && $prewarm =~ $positive && $runs =~ ^[1-9][0-9]*$ ]] ||
  { echo "DURATION, WARMUP and PREWARM must be seconds, REPS a count >= 1" >&2; exit 1; }
for n in "${thread_counts[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "CLIENTS must be counts >= 1 (got '$n')" >&2; exit 1; }
done
((${#thread_counts[@]})) || { echo "CLIENTS is empty" >&2; exit 1; }

mkdir -p "$build"
report="$build/last-run.txt"
: >"$report"

say() { printf '%s\n' "$*" | tee -a "$report"; }
fail() { say "error: $*"; exit 1; }

# --- prerequisites -----------------------------------------------------------------------
# The same Debian packages as tests/run-all.sh (libboost-dev: Thrift's C++ headers need it).
if command -v dpkg >/dev/null; then
  missing=()
  for p in thrift-compiler libthrift-dev libboost-dev libprotobuf-c-dev protobuf-c-compiler \
    libevent-dev pkg-config g++ python3; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) == 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null ||
      fail "could not install ${missing[*]}"
  fi
fi
for tool in protoc-c thrift g++ pkg-config python3 timeout; do
  command -v "$tool" >/dev/null || fail "$tool not found"
done
if [[ -z "${DAEMON_BIN:-}" ]]; then
  command -v dotnet >/dev/null || fail "dotnet not found (the .NET 10 SDK), and DAEMON_BIN not set"
fi

# --- build -------------------------------------------------------------------------------
"$root/tests/interop/build.sh" "$build"
for prog in load_client single_hop_server; do
  g++ -std=c++20 -O2 -Wall -Wextra -I"$build/gen" -o "$build/$prog" "$here/$prog.cpp" \
    "$build/gen/fdsapi.o" "$build/gen/fdsapi_types.o" $(pkg-config --cflags --libs thrift-nb) \
    $(pkg-config --libs libevent) -pthread # libthriftnb.so does not pull in libevent itself
done
if [[ -n "${DAEMON_BIN:-}" ]]; then
  # Absolute: the daemon is started from its own directory (it reads appsettings.json there).
  daemon="$(cd "$(dirname "$DAEMON_BIN")" && pwd)/$(basename "$DAEMON_BIN")"
else
  daemon="$build/daemon/SessionManager"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet publish "$root/src/SessionManager" -c Release -o "$build/daemon" --nologo -v quiet
fi
[[ -x $daemon ]] || fail "no daemon binary at $daemon"
# The daemon runs with the runtime settings of its systemd unit (its Environment=DOTNET_ lines).
unit_env=()
while IFS= read -r pair; do unit_env+=("$pair"); done < <("$root/bench/unit-env.sh")

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
# The median of the numeric arguments (others, such as n/a, are left out; of an even count,
# the mean of the middle two), or n/a.
median() {
  printf '%s\n' "$@" | awk '/^-?[0-9.]+$/' | sort -g | awk '{ v[NR] = $1 } END {
    if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]
    else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
difference() {
  awk -v a="$1" -v b="$2" 'BEGIN { num = "^-?[0-9.]+$"
    if (a ~ num && b ~ num) printf "%.2f", a - b; else print "n/a" }'
}
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { num = "^-?[0-9.]+$"
    if (a ~ num && b ~ num && b > 0) printf "%.2f", a / b; else print "n/a" }'
}
sum() {
  awk -v a="$1" -v b="$2" 'BEGIN { num = "^-?[0-9.]+$"
    if (a ~ num && b ~ num) printf "%.2f", a + b; else print "n/a" }'
}

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

# The load client addresses RDS connections by number (no sessions are logged on here), and the
# files the daemon creates at start stay in the run's temporary directory.
daemon_settings=(--FdsApi:Routing=connection --FdsApi:RequireToken=false --Tls:CertificatePath="$tmp/rds.crt" --Tls:KeyPath="$tmp/rds.key"
  --Sessions:TokenDirectory="$tmp" --Pipes:Directory="$tmp/pipe")
read -ra extra_settings <<<"${DAEMON_ARGS:-}"
daemon_settings+=("${extra_settings[@]}")
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
say "SessionManager end-to-end benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs," \
  "${seconds} s per run after ${warmup} s warmup, median of ${runs} runs" \
  "(load runs about $(awk -v n="${#thread_counts[@]}" -v r="$runs" -v s="$seconds" -v w="$warmup" \
    'BEGIN { printf "%.0f", n * r * 2 * (s + w + 0.3) }') s)"

say "daemon environment (the DOTNET_ lines of deploy/sessionmanager.service): ${unit_env[*]:-none}"

# Start-up: median of 3 starts, each timed from exec until both sockets accept.
startup_ms="$(python3 "$here/startup.py" --unix "$icp_socket" --port "$daemon_port" --runs 3 -- \
  env "${unit_env[@]}" "$daemon" --Icp:SocketPath="$icp_socket" --Control:SocketPath="$icp_socket.control" --FdsApi:Port="$daemon_port" "${daemon_settings[@]}")" ||
  fail "the daemon did not start"

# The daemon finds its appsettings.json in the working directory.
(cd "$(dirname "$daemon")" && exec env "${unit_env[@]}" "$daemon" --Icp:SocketPath="$icp_socket" --Control:SocketPath="$icp_socket.control" \
  --FdsApi:Port="$daemon_port" --Serilog:MinimumLevel:Default=Warning "${daemon_settings[@]}") >"$build/daemon.log" 2>&1 &
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
single_pid=$!
pids+=("$single_pid")
python3 "$here/probe_ready.py" --port "$single_port" --since-ns "$(date +%s%N)" >/dev/null ||
  fail "single_hop_server did not start; see $build/single_hop_server.log"

# --- load --------------------------------------------------------------------------------
# One load_client line; a client that died or hung without printing counts as one error.
# load_client reads the CPU time of itself and of the servers of its side (--cpu) at the
# start and the end of its measured window, so warmup and connection set-up and teardown are
# not counted.
run_load() {
  local port="$1" n="$2" line
  shift 2
  line="$(timeout -k 5 "$(awk -v s="$seconds" -v w="$warmup" 'BEGIN { print s + w + 60 }')" \
    "$build/load_client" --host 127.0.0.1 --port "$port" --threads "$n" \
    --seconds "$seconds" --warmup-seconds "$warmup" "$@" 2>>"$build/load_client.log")" || true
  echo "${line:-calls=0 seconds=0 calls_per_s=0 p50_us=0 p99_us=0 errors=1}"
}

: >"$build/load_client.log"
# Unmeasured: the daemon's first seconds of load, while the JIT tiers up its hot path.
prewarm_line="$(seconds="$prewarm" warmup=0 run_load "$daemon_port" 16)"
say "prewarm: ${prewarm} s of 16 clients on the daemon, not measured ($(field calls "$prewarm_line") calls)"
rows=()
cpu_rows=()
sys_rows=()
declare -A m
for n in "${thread_counts[@]}"; do
  m=()
  errors=0
  # Alternating A B A B ... spreads drift (thermal, other load) over both sides.
  for ((i = 1; i <= runs; i++)); do
    for side in daemon single; do
      if [[ $side == daemon ]]; then
        line="$(run_load "$daemon_port" "$n" --cpu daemon="$daemon_pid" --cpu rds="$peer_pid")"
        cpu_keys=(cpu_daemon_us cpu_rds_us cpu_daemon_sys_us)
      else
        line="$(run_load "$single_port" "$n" --cpu single="$single_pid")"
        cpu_keys=(cpu_single_us cpu_single_sys_us)
      fi
      say "  threads=$n $side run $i: $line"
      for key in calls_per_s p50_us p99_us cpu_client_us cpu_other_cores "${cpu_keys[@]}"; do
        m[$side.$key]+=" $(field "$key" "$line")"
      done
      if [[ $side == daemon ]]; then
        # The whole bridged path on the server side, summed per run before the median.
        m[daemon.cpu_path_us]+=" $(sum "$(field cpu_daemon_us "$line")" "$(field cpu_rds_us "$line")")"
        errors=$((errors + $(field errors "$line")))
      fi
    done
  done
  for key in "${!m[@]}"; do m[$key]="$(median ${m[$key]})"; done
  rows+=("$(printf '%7s %12s %9s %9s %12s %9s %9s %9s %9s %8s' "$n" \
    "${m[daemon.calls_per_s]}" "${m[daemon.p50_us]}" "${m[daemon.p99_us]}" \
    "${m[single.calls_per_s]}" "${m[single.p50_us]}" "${m[single.p99_us]}" \
    "$(ratio "${m[daemon.calls_per_s]}" "${m[single.calls_per_s]}")" \
    "$(ratio "${m[daemon.p99_us]}" "${m[single.p99_us]}")" "$errors")")
  cpu_rows+=("$(printf '%7s %9s %9s %9s %9s %9s %9s %10s %11s %8s %8s' "$n" \
    "${m[daemon.cpu_daemon_us]}" "${m[daemon.cpu_rds_us]}" "${m[daemon.cpu_path_us]}" \
    "${m[daemon.cpu_client_us]}" "${m[single.cpu_single_us]}" "${m[single.cpu_client_us]}" \
    "$(ratio "${m[daemon.cpu_daemon_us]}" "${m[single.cpu_single_us]}")" \
    "$(ratio "${m[daemon.cpu_path_us]}" "${m[single.cpu_single_us]}")" \
    "${m[daemon.cpu_other_cores]}" "${m[single.cpu_other_cores]}")")
  sys_rows+=("$(printf '%7s %9s %9s %9s %9s %12s' "$n" \
    "${m[daemon.cpu_daemon_sys_us]}" "$(difference "${m[daemon.cpu_daemon_us]}" "${m[daemon.cpu_daemon_sys_us]}")" \
    "${m[single.cpu_single_sys_us]}" "$(difference "${m[single.cpu_single_us]}" "${m[single.cpu_single_sys_us]}")" \
    "$(ratio "${m[daemon.cpu_daemon_sys_us]}" "${m[single.cpu_single_us]}")")")
done

kill -0 "$daemon_pid" 2>/dev/null || say "warning: the daemon exited during the run; see $build/daemon.log"
kill -0 "$peer_pid" 2>/dev/null || say "warning: the fake RDS server exited during the run; see $build/icp_peer.log"
say ""
say "virtualChannelOpen, closed loop, one connection per thread (medians; latencies in us):"
say "$(printf '%7s %12s %9s %9s %12s %9s %9s %9s %9s %8s' threads daemon/s d_p50 d_p99 \
  single/s s_p50 s_p99 ratio/s ratio_p99 d_errors)"
for row in "${rows[@]}"; do say "$row"; done
say ""
say "CPU per call (medians; us of user+system CPU, all threads, per counted call, over the"
say "measured window; d_ = through the daemon, s_ = single-hop; d+rds = daemon + fake RDS;"
say "other: cores busy with anything else meanwhile, other programs included):"
say "$(printf '%7s %9s %9s %9s %9s %9s %9s %10s %11s %8s %8s' threads daemon fake_rds d+rds \
  d_client single s_client ratio_cpu ratio_d+rds d_other s_other)"
for row in "${cpu_rows[@]}"; do say "$row"; done
say ""
say "Kernel and user parts of the daemon's and the single-hop server's CPU per call (medians;"
say "us; sys = system time from /proc/PID/stat; floor = d_sys / single: the ratio_cpu a bridge"
say "would have if its own code took no time at all, its system calls and wake-ups alone):"
say "$(printf '%7s %9s %9s %9s %9s %12s' threads d_sys d_user s_sys s_user floor)"
for row in "${sys_rows[@]}"; do say "$row"; done
say ""
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (at the start: $load_at_start)"
