#!/usr/bin/env bash
# The Debian package as an operator gets it: build it (deploy/debian/build-deb.sh), check it
# with lintian, install it with dpkg -i, start the installed daemon as its unit would (the
# unit's ExecStart, WorkingDirectory and Environment= by hand: systemd is not booted here), log a
# test user on through it with the protobuf-c RDS peer and the stand-in backend, check that every
# library the running daemon maps belongs to a package it depends on, stop it, remove the
# package (configuration kept), purge it (nothing left).
#   tests/package-test.sh
#   SM_PACKAGE=artifacts/deb/sessionmanager_…deb tests/package-test.sh   (skip the build)
# Needs root, the test users (tests/setup-test-host.sh), the interop peer and the stand-in
# backend (tests/run-all.sh builds both first; SM_INTEROP_BIN and SM_STANDIN_BACKEND name them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
interop="${SM_INTEROP_BIN:-$root/tests/interop/build}"
standin="${SM_STANDIN_BACKEND:-$root/tests/standin-backend/build/standin-backend}"
unit_path=/lib/systemd/system/sessionmanager.service

fail() { echo "package test: FAILED: $*" >&2; exit 1; }
step() { echo "package test: $*"; }

[ "$(id -u)" -eq 0 ] || fail "needs root (dpkg -i)"
if dpkg-query -W -f='${Status}' sessionmanager 2>/dev/null | grep -q "installed"; then
  fail "a sessionmanager package is already installed on this machine; not touching it"
fi

work="$(mktemp -d)"
chmod 1777 "$work"
daemon_pid=""
peer_pid=""
# The test host's own /etc/pam.d/sessionmanager (tests/setup-test-host.sh) is moved aside while
# the package owns that path, and put back at the end whatever happens.
pam=/etc/pam.d/sessionmanager
[ -e "$pam" ] && mv "$pam" "$work/pam.d-sessionmanager"
cleanup() {
  [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null || true
  dpkg -P sessionmanager >/dev/null 2>&1 || true
  [ -e "$work/pam.d-sessionmanager" ] && mv "$work/pam.d-sessionmanager" "$pam"
  rm -rf "$work"
}
trap cleanup EXIT

# --- build and lint ---------------------------------------------------------------------------
# SM_PACKAGE: a package already built from this checkout (while working on this script).
if [ -n "${SM_PACKAGE:-}" ]; then
  deb="$SM_PACKAGE"
else
  step "building the package"
  deb="$(deploy/debian/build-deb.sh "$root/artifacts/deb" | tail -1)"
fi
[[ "$(basename "$deb")" =~ ^sessionmanager_[0-9][^_]*_amd64\.deb$ ]] || fail "unexpected package name $deb"
step "lintian $deb"
# Errors and warnings fail; every override the package carries says why (deploy/debian/lintian-overrides).
lintian --fail-on error,warning --allow-root --tag-display-limit 0 "$deb" || fail "lintian"

depends="$(dpkg-deb -f "$deb" Depends)"
for wanted in libc6 libstdc++6 libgcc-s1 libssl3 libpam0g; do
  [[ ", $depends," == *", $wanted "* || ", $depends," == *", $wanted,"* ]] || fail "Depends: lacks $wanted ($depends)"
done

# --- install -----------------------------------------------------------------------------------
step "dpkg -i"
dpkg -i "$deb" || fail "dpkg -i"
for f in /usr/lib/sessionmanager/SessionManager /usr/lib/sessionmanager/sm-launcher /usr/lib/sessionmanager/sm-spawner \
         /usr/bin/smctl /usr/sbin/sessionmanager /usr/share/man/man1/smctl.1.gz \
         "$unit_path" /etc/sessionmanager/appsettings.json /etc/pam.d/sessionmanager \
         /etc/fail2ban/filter.d/sessionmanager.conf /usr/share/man/man8/sessionmanager.8.gz \
         /usr/share/doc/sessionmanager/copyright /usr/share/doc/sessionmanager/changelog.gz; do
  [ -e "$f" ] || fail "$f not installed"
done
[ "$(readlink /usr/lib/sessionmanager/appsettings.json)" = /etc/sessionmanager/appsettings.json ] || fail "appsettings.json is not the conffile"
[ -L /etc/systemd/system/multi-user.target.wants/sessionmanager.service ] || fail "the unit is not enabled after the first install"
getent group sessionmanager-admin >/dev/null || fail "postinst did not create the group sessionmanager-admin"
dpkg-query -W -f='${Conffiles}\n' sessionmanager | grep -q /etc/sessionmanager/appsettings.json || fail "appsettings.json is no conffile"

# --- an upgrade (the same package again: postinst's configure with the old version) keeps what
# the administrator changed in a conffile and the unit's enablement ----------------------------
step "reinstall as an upgrade, with an edited conffile"
sed -i 's/"Format": "auto"/"Format": "json"/' /etc/sessionmanager/appsettings.json
grep -q '"Format": "json"' /etc/sessionmanager/appsettings.json || fail "could not edit the conffile for the upgrade check"
dpkg -i --force-confold "$deb" || fail "dpkg -i over the installed package"
grep -q '"Format": "json"' /etc/sessionmanager/appsettings.json || fail "the upgrade replaced the administrator's appsettings.json"
[ -L /etc/systemd/system/multi-user.target.wants/sessionmanager.service ] || fail "the unit is not enabled after the upgrade"

# --- run it as the unit does --------------------------------------------------------------------
exec_start="$(sed -n 's/^ExecStart=//p' "$unit_path")"
working_dir="$(sed -n 's/^WorkingDirectory=//p' "$unit_path")"
mapfile -t unit_env < <(sed -n 's/^Environment=//p' "$unit_path")
[ -x "$exec_start" ] || fail "ExecStart $exec_start is not an installed program"
sock="$work/sm.sock"
mkdir -m 1777 "$work/pipe"
args=(
  "--Icp:SocketPath=$sock" "--FdsApi:Port=0" "--Pipes:Directory=$work/pipe"
  "--Backends:desktop:Command:0=$standin" "--Backends:desktop:Command:1=--endpoint-path"
  "--Backends:desktop:Command:2={EndpointPath}" "--Backends:desktop:Command:3=--report"
  "--Backends:desktop:Command:4=$work/report-{SessionId}" "--Backends:desktop:Endpoint=ogon_{SessionId}_X11"
)
step "starting $exec_start as the unit would"
(cd "$working_dir" && exec env "${unit_env[@]}" "$exec_start" "${args[@]}") > "$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 300); do
  grep -q '"EventId":{"Id":2001' "$work/daemon.log" && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log"; fail "the installed daemon exited at start"; }
  sleep 0.1
done
grep -q '"EventId":{"Id":2001' "$work/daemon.log" || { cat "$work/daemon.log"; fail "the installed daemon never listened"; }
[ -S "$sock" ] || fail "no ICP socket at $sock"
[ -f /etc/sessionmanager/tls/rds.crt ] || fail "the daemon did not create its TLS pair in /etc/sessionmanager/tls"

step "logon of smtest1 through the installed daemon"
"$interop/icp_peer" --socket "$sock" --logon "1:smtest1:Pw-smtest1!" > "$work/peer.log" 2>&1 &
peer_pid=$!
for _ in $(seq 1 300); do
  grep -q '^logons done ' "$work/peer.log" && break
  sleep 0.1
done
grep -q '^logons done ok=1 failed=0' "$work/peer.log" || { cat "$work/peer.log" "$work/daemon.log"; fail "the logon did not succeed"; }
for _ in $(seq 1 100); do [ -f "$work/report-2" ] && break; sleep 0.1; done
[ -f "$work/report-2" ] || fail "the session's backend never reported"
grep -qx "uid=$(id -u smtest1)" "$work/report-2" || fail "the backend does not run as smtest1"

# The admin command on PATH talks to the installed daemon (its default control socket).
step "smctl"
smctl --no-legend list-sessions > "$work/smctl.out" 2>&1 || { cat "$work/smctl.out"; fail "smctl list-sessions"; }
grep -q "smtest1" "$work/smctl.out" || { cat "$work/smctl.out"; fail "smctl does not list smtest1's session"; }
smctl status > "$work/smctl-status.out" 2>&1 || { cat "$work/smctl-status.out"; fail "smctl status (the RDS peer is connected)"; }

# Every library the running daemon has mapped comes from this package or a package it depends on.
step "libraries the daemon maps"
allowed=" sessionmanager $(sed -E 's/\([^)]*\)//g; s/[|,]/ /g' <<<"$depends") "
while read -r lib; do
  owner="$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null || true)"
  owner="${owner%%:*}"
  [ -n "$owner" ] || fail "$lib (mapped by the daemon) belongs to no package"
  [[ "$allowed" == *" $owner "* ]] || fail "$lib comes from $owner, which is not in Depends: ($depends)"
  echo "  $lib ($owner)"
done < <(grep -oE '/[^ ]+\.so[.0-9]*$' "/proc/$daemon_pid/maps" | sort -u)

kill "$peer_pid" 2>/dev/null || true
wait "$peer_pid" 2>/dev/null || true
peer_pid=""
step "SIGTERM"
kill -TERM "$daemon_pid"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=""
[ "$rc" -eq 0 ] || { cat "$work/daemon.log"; fail "the daemon exited $rc after SIGTERM"; }
for _ in $(seq 1 100); do pgrep -f '^/usr/lib/sessionmanager/' >/dev/null || break; sleep 0.1; done
pgrep -af '^/usr/lib/sessionmanager/' && fail "processes of the package still run after the daemon stopped"
pgrep -u smtest1 -f -- "--report $work/report-" >/dev/null && fail "the session's backend still runs after the stop (Sessions:OnShutdown=logoff)"

# --- remove, purge ------------------------------------------------------------------------------
step "dpkg -r"
dpkg -r sessionmanager || fail "dpkg -r"
[ ! -e /usr/lib/sessionmanager ] || fail "/usr/lib/sessionmanager left after remove"
[ ! -e "$unit_path" ] || fail "the unit left after remove"
[ -f /etc/sessionmanager/appsettings.json ] || fail "remove took the configuration"
step "dpkg -P"
dpkg -P sessionmanager || fail "dpkg -P"
left=()
for f in /etc/sessionmanager /usr/lib/sessionmanager /run/sessionmanager "$unit_path" /etc/pam.d/sessionmanager \
         /etc/fail2ban/filter.d/sessionmanager.conf /usr/share/doc/sessionmanager /usr/share/man/man8/sessionmanager.8.gz \
         /usr/share/lintian/overrides/sessionmanager /etc/systemd/system/multi-user.target.wants/sessionmanager.service \
         /etc/systemd/system/sessionmanager.service /var/lib/systemd/deb-systemd-helper-enabled/sessionmanager.service.dsh-also \
         /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/sessionmanager.service \
         /var/lib/systemd/deb-systemd-helper-masked/sessionmanager.service /usr/bin/smctl /usr/sbin/sessionmanager \
         /usr/share/man/man1/smctl.1.gz /run/sessionmanager-control; do
  [ -e "$f" ] || [ -L "$f" ] && left+=("$f")
done
getent group sessionmanager-admin >/dev/null && left+=("group sessionmanager-admin")
((${#left[@]} == 0)) || fail "left after purge: ${left[*]}"
dpkg-query -W -f='${Status}' sessionmanager 2>/dev/null | grep -q "installed" && fail "still known to dpkg after purge"
step "ok: built, installed, served a logon, removed and purged without a trace"
