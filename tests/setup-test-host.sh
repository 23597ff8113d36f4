#!/usr/bin/env bash
# Prepares this machine for the launcher tests (real PAM, real accounts); idempotent.
#   tests/setup-test-host.sh          create what is missing
#   tests/setup-test-host.sh --remove remove the test users, group and PAM services again
# Creates users smtest1..smtest3 (password "Pw-smtest<N>!", home /home/smtestN, supplementary
# group smtestgrp), /etc/pam.d/sessionmanager (if absent: the shipped deploy/pam.d file) and
# /etc/pam.d/sessionmanager-hang (a service whose auth hangs 30 s in pam_exec, for timeouts) and
# /etc/pam.d/sessionmanager-env (its session stack sets SM_TEST_PAM_ENV through pam_env),
# /etc/pam.d/sessionmanager-hang-smtest3 (auth hangs 30 s for smtest3 only: one stuck logon
# among good ones), /etc/pam.d/sessionmanager-group (pam_group gives smtest2 the group
# smtestpamgrp, which it is not a member of, through a marked rule in /etc/security/group.conf)
# and users smload01..smload50 (password "Pw-smload!", for the load test).
# Needs root; without root it does nothing (the tests then skip, saying why).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
users=(smtest1 smtest2 smtest3)
load_users=($(for n in $(seq -w 1 50); do echo "smload$n"; done))
group=smtestgrp
pam_group_grant=smtestpamgrp
group_conf=/etc/security/group.conf
group_conf_rule='sessionmanager-group;*;smtest2;Al0000-2400;smtestpamgrp # sessionmanager tests'
marker=/etc/pam.d/.sessionmanager-installed-by-tests

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-test-host: not root, nothing set up (launcher tests will skip)"
  exit 0
fi

if [ "${1:-}" = "--remove" ]; then
  for u in "${users[@]}"; do
    if id "$u" >/dev/null 2>&1; then

      userdel -r -f "$u" 2>/dev/null || true
    fi
  done
  for u in "${load_users[@]}"; do
    if id "$u" >/dev/null 2>&1; then
      userdel -r -f "$u" 2>/dev/null || true
    fi
  done
  getent group "$group" >/dev/null && groupdel "$group"
  getent group "$pam_group_grant" >/dev/null && groupdel "$pam_group_grant"
  if [ -f "$group_conf" ] && grep -qxF "$group_conf_rule" "$group_conf"; then
    grep -vxF "$group_conf_rule" "$group_conf" > "$group_conf.sm-tests" || true
    cat "$group_conf.sm-tests" > "$group_conf" && rm -f "$group_conf.sm-tests"
  fi
  rm -f /etc/pam.d/sessionmanager-hang /etc/pam.d/sessionmanager-hang-smtest3 /etc/pam.d/sessionmanager-env /etc/pam.d/sessionmanager-group /etc/security/sessionmanager-test-env.conf
  if [ -f "$marker" ]; then rm -f /etc/pam.d/sessionmanager "$marker"; fi
  exit 0
fi

getent group "$group" >/dev/null || groupadd "$group"
i=0
for u in "${users[@]}"; do
  i=$((i + 1))
  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash -G "$group" "$u"
  echo "$u:Pw-smtest$i!" | chpasswd
done
# One chpasswd for all: 50 separate calls are slow on a busy machine.
for u in "${load_users[@]}"; do
  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
done
printf '%s:Pw-smload!\n' "${load_users[@]}" | chpasswd
if [ ! -e /etc/pam.d/sessionmanager ]; then
  install -m 0644 "$root/deploy/pam.d/sessionmanager" /etc/pam.d/sessionmanager
  touch "$marker"
fi
cat > /etc/pam.d/sessionmanager-hang <<'PAM'
# Test only (tests/setup-test-host.sh): an auth stack that hangs, for Auth:Timeout.
auth requisite pam_exec.so /bin/sleep 30
@include common-auth
@include common-account
@include common-session
PAM
# Hangs only for smtest3: pam_succeed_if skips the sleep for everyone else.
cat > /etc/pam.d/sessionmanager-hang-smtest3 <<'PAM'
# Test only (tests/setup-test-host.sh): auth hangs 30 s for smtest3, others authenticate normally.
auth [success=1 default=ignore] pam_succeed_if.so quiet user != smtest3
auth requisite pam_exec.so /bin/sleep 30
@include common-auth
@include common-account
@include common-session
PAM
# A service whose session stack sets a variable through pam_env: proves the backend gets PAM's env.
cat > /etc/security/sessionmanager-test-env.conf <<'CONF'
SM_TEST_PAM_ENV DEFAULT=from-pam-env
CONF
cat > /etc/pam.d/sessionmanager-env <<'PAM'
# Test only (tests/setup-test-host.sh): sessionmanager plus a pam_env variable at session open.
@include common-auth
@include common-account
@include common-session
session required pam_env.so readenv=0 user_readenv=0 conffile=/etc/security/sessionmanager-test-env.conf
PAM
# A service whose auth stack runs pam_group: at pam_setcred(ESTABLISH) it adds smtestpamgrp to
# smtest2's groups (one rule, marked, appended to group.conf and removed with --remove).
getent group "$pam_group_grant" >/dev/null || groupadd "$pam_group_grant"
grep -qxF "$group_conf_rule" "$group_conf" 2>/dev/null || echo "$group_conf_rule" >> "$group_conf"
cat > /etc/pam.d/sessionmanager-group <<'PAM'
# Test only (tests/setup-test-host.sh): sessionmanager plus pam_group (groups added at setcred).
auth optional pam_group.so
@include common-auth
@include common-account
@include common-session
PAM
