#!/usr/bin/env bash
# The logon storm (bench/README.md "Logon storm"): publishes the daemon (sm-launcher beside it),
# builds the stand-in backend and runs bench/SessionManager.LogonStorm against them. Needs root
# (it creates users smstorm001..N with useradd/chpasswd; removed at the end unless --keep-users).
#   bench/logon-storm/run.sh [--sessions N] [--keep-users]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$here/build"
mkdir -p "$build"
dotnet publish "$root/src/SessionManager" -c Release -o "$build/daemon" -v quiet -nologo >/dev/null
make -s -C "$root/tests/standin-backend" OUT="$build/standin"
dotnet build "$root/bench/SessionManager.LogonStorm" -c Release -o "$build/tool" -v quiet -nologo >/dev/null
# The daemon runs with the runtime settings of its systemd unit (its Environment=DOTNET_ lines).
unit_env=()
while IFS= read -r pair; do unit_env+=(--daemon-env "$pair"); done < <("$root/bench/unit-env.sh")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/tool/SessionManager.LogonStorm" --daemon "$build/daemon" --standin "$build/standin/standin-backend" "${unit_env[@]}" "$@"
status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
