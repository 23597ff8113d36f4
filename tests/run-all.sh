#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run) and as a newcomer runs it:
#   tests/run-all.sh
# Installs what it needs (Debian packages for the C/C++ interop peers), checks the generated
# Thrift code is in sync with thrift/fdsapi.thrift, builds everything, runs every test project,
# and ends with one line "N passed, M failed" summing them all. Exits non-zero on any failure.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

passed=0
failed=0
check() { # check NAME COMMAND...: one pass/fail line for a non-xunit check
  local name="$1"; shift
  echo "==> $name"
  if "$@"; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"
  fi
}

# --- prerequisites -----------------------------------------------------------------------
# thrift-compiler: regenerates the committed C#; the rest build the interop peers from our IDL
# (libboost-dev: Thrift's C++ headers need it but libthrift-dev does not depend on it);
# libpam0g-dev and gcc build sm-launcher (src/launcher), valgrind checks it; openssl's s_client
# offers the obsolete TLS versions the daemon must refuse; dpkg-dev and lintian build and check
# the Debian package.
packages=(thrift-compiler libthrift-dev libboost-dev libprotobuf-c-dev protobuf-c-compiler libevent-dev pkg-config g++ make
          gcc libpam0g-dev valgrind fail2ban openssl dpkg-dev lintian)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  # fail2ban is wanted for its fail2ban-regex (the filter test), not as a running service: no
  # package may start a service while these are installed.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null && "${sudo_cmd[@]}" chmod 0755 "$policy" && own_policy=1
  fi
  "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  installed=$?
  ((own_policy)) && "${sudo_cmd[@]}" rm -f "$policy"
  ((installed == 0)) || { echo "could not install ${missing[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

# --- test host: users smtest1..3 and PAM services for the launcher tests, removed at the end --
tests/setup-test-host.sh || { echo "could not set up the test host"; echo "0 passed, 1 failed"; exit 1; }
trap 'tests/setup-test-host.sh --remove' EXIT

# --- checks ------------------------------------------------------------------------------
check "sm-launcher builds (C, warnings are errors)" make -s -C src/launcher OUT="$root/artifacts/launcher"
check "generated Thrift C# is in sync with thrift/fdsapi.thrift" thrift/generate.sh --check
check "interop peers build from proto/ and thrift/" tests/interop/build.sh tests/interop/build
check "stand-in backend builds" make -s -C tests/standin-backend OUT="$root/tests/standin-backend/build"
check "solution builds (warnings are errors)" dotnet build SessionManager.sln -c Debug --nologo -v quiet
check "daemon publishes to OUT/SessionManager" bash -c \
  "dotnet publish src/SessionManager -c Release -o '$root/artifacts/publish' --nologo -v quiet && test -x '$root/artifacts/publish/SessionManager' && test -x '$root/artifacts/publish/sm-launcher'"

# --- test projects -----------------------------------------------------------------------
for project in tests/SessionManager.UnitTests tests/SessionManager.IntegrationTests; do
  name="$(basename "$project")"
  echo "==> $name"
  SM_INTEROP_BIN="$root/tests/interop/build" SM_STANDIN_BACKEND="$root/tests/standin-backend/build/standin-backend" dotnet test "$project" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" --blame-hang-timeout 5m
  trx="$results/$name.trx"
  if [ -f "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
    executed=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0}))
    # Tests that never ran (a crashed or hung test host) count as failed.
    failed=$((failed + ${f:-0} + ${total:-0} - ${executed:-0}))
  else
    echo "no results from $name: counted as a failure"
    failed=$((failed + 1))
  fi
done

# --- the Debian package: built, linted, installed, run, removed and purged (after the test
# projects: it owns /etc/pam.d/sessionmanager while installed) ------------------------------
SM_INTEROP_BIN="$root/tests/interop/build" SM_STANDIN_BACKEND="$root/tests/standin-backend/build/standin-backend" \
  check "Debian package: build, lintian, install, logon, remove, purge" tests/package-test.sh

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
