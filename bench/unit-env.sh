#!/usr/bin/env bash
# Prints the runtime settings of the daemon's systemd unit, one NAME=VALUE per line: its
# Environment=DOTNET_... lines. The benchmarks run the daemon with these, as a host runs it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sed -n 's/^Environment=\(DOTNET_[A-Za-z0-9_]*=.*\)$/\1/p' "$root/deploy/sessionmanager.service"
