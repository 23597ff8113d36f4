#!/usr/bin/env bash
# Builds the Debian package from this checkout:
#   deploy/debian/build-deb.sh [OUTDIR]      (default artifacts/deb)
# and prints the path of sessionmanager_<version>_amd64.deb (version: deploy/debian/version.sh).
# Needs the .NET 10 SDK, gcc, make, libpam0g-dev and dpkg-dev (dpkg-buildflags, dpkg-shlibdeps).
#
# Debian 12 has no .NET 10 runtime package, so the daemon is published self-contained into
# /usr/lib/sessionmanager. Its Depends: are what its ELF files need (dpkg-shlibdeps: libc6,
# libgcc-s1, libstdc++6, libpam0g) and what the runtime loads by dlopen: libssl3 (TLS, the
# RDS server's key pair). Found by running the daemon and reading /proc/PID/maps (the package
# test checks every library the running daemon maps belongs to one of them): no ICU (the daemon
# is built with InvariantGlobalization), no zlib (.NET's compression library has zlib-ng inside
# it), no LTTng (libcoreclrtraceptprovider.so, the runtime's optional LTTng tracing, is left out).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/deploy/debian"
out="$(mkdir -p "${1:-$root/artifacts/deb}" && cd "${1:-$root/artifacts/deb}" && pwd)"
cd "$root"

version="$("$here/version.sh")"
arch=amd64
rid=linux-x64
[ "$(dpkg --print-architecture)" = "$arch" ] || { echo "build-deb: builds $arch packages only (this is $(dpkg --print-architecture))" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/sessionmanager"
lib="$stage/usr/lib/sessionmanager"
doc="$stage/usr/share/doc/sessionmanager"

# --- the daemon, self-contained ------------------------------------------------------------
dotnet publish src/SessionManager -c Release -r "$rid" --self-contained true -o "$lib" --nologo -v quiet >&2
rm -f "$lib/libcoreclrtraceptprovider.so"

# --- the C helpers, again, with Debian's hardening flags (the publish built them with ours) --
# Through the environment, so that the Makefile's own flags (-Werror, -fPIE, -pie) are added.
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
  make -s -B -C src/launcher OUT="$lib" >&2
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$lib/sm-launcher" "$lib/sm-spawner"
# The runtime's native files come stripped but for the compiler's .comment.
for f in "$lib"/*.so "$lib/SessionManager" "$lib/smctl" "$lib/createdump"; do
  objcopy --remove-section=.comment "$f"
done
# On PATH for operators (`sessionmanager --help`, `smctl status`); the .NET host finds its files
# through the links.
install -d "$stage/usr/sbin" "$stage/usr/bin"
ln -s ../lib/sessionmanager/SessionManager "$stage/usr/sbin/sessionmanager"
ln -s ../lib/sessionmanager/smctl "$stage/usr/bin/smctl"

# --- configuration (conffiles), unit, PAM, fail2ban ------------------------------------------
install -D -m 0644 src/SessionManager/appsettings.json "$stage/etc/sessionmanager/appsettings.json"
# The daemon reads appsettings.json beside its binary: that name points at the conffile.
ln -sf /etc/sessionmanager/appsettings.json "$lib/appsettings.json"
install -D -m 0644 deploy/sessionmanager.service "$stage/lib/systemd/system/sessionmanager.service"
install -D -m 0644 deploy/pam.d/sessionmanager "$stage/etc/pam.d/sessionmanager"
install -D -m 0644 deploy/fail2ban/filter.d/sessionmanager.conf "$stage/etc/fail2ban/filter.d/sessionmanager.conf"
install -D -m 0644 deploy/fail2ban/jail.d/sessionmanager.conf "$doc/examples/fail2ban/jail.d/sessionmanager.conf"

# --- documentation ---------------------------------------------------------------------------
install -D -m 0644 "$here/copyright" "$doc/copyright"
install -D -m 0644 deploy/HARDENING.md "$doc/HARDENING.md"
sed -e "s/@VERSION@/$version/" -e "s/@COMMIT@/$(git rev-parse HEAD)/" \
    -e "s/@DATE@/$(git log -1 --format=%aD)/" "$here/changelog.in" | gzip -9n > "$work/changelog.gz"
# changelog.gz, not changelog.Debian.gz: a native package (its version has no Debian revision).
install -m 0644 "$work/changelog.gz" "$doc/changelog.gz"
install -d "$stage/usr/share/man/man8" "$stage/usr/share/man/man1"
gzip -9n < "$here/sessionmanager.8" > "$stage/usr/share/man/man8/sessionmanager.8.gz"
gzip -9n < "$here/smctl.1" > "$stage/usr/share/man/man1/smctl.1.gz"
install -D -m 0644 "$here/lintian-overrides" "$stage/usr/share/lintian/overrides/sessionmanager"

# --- dependencies: dpkg-shlibdeps over every ELF file -----------------------------------------
mkdir -p "$work/src/debian"
printf 'Source: sessionmanager\n\nPackage: sessionmanager\nArchitecture: %s\n' "$arch" > "$work/src/debian/control"
mapfile -t elves < <(find "$lib" -type f -exec sh -c 'head -c4 "$1" | grep -q "^.ELF"' _ {} \; -print | sort)
shlibs="$(cd "$work/src" && dpkg-shlibdeps -O "${elves[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# Loaded by dlopen, so invisible to dpkg-shlibdeps: OpenSSL 3 (System.Security.Cryptography.Native.OpenSsl).
# The PAM service includes Debian's common-* stacks (libpam-runtime) and pam_unix (libpam-modules).
# adduser: postinst creates the smctl admin group (Control:AdminGroup).
depends="$shlibs, libssl3, libpam-runtime, libpam-modules, adduser"

# --- control files -----------------------------------------------------------------------------
install -d -m 0755 "$stage/DEBIAN"
sed -e "s/@VERSION@/$version/" -e "s/@DEPENDS@/$depends/" \
    -e "s/@INSTALLED_SIZE@/$(du -sk --exclude=DEBIAN "$stage" | cut -f1)/" "$here/control.in" > "$stage/DEBIAN/control"
(cd "$stage" && find etc -type f | sed 's|^|/|' | sort) > "$stage/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
# Modes as Debian wants them whatever the publish and the umask left: data 0644, programs 0755.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -path "$stage/DEBIAN" -prune -o -type f -exec chmod 0644 {} +
chmod 0755 "$lib/SessionManager" "$lib/smctl" "$lib/createdump" "$lib/sm-launcher" "$lib/sm-spawner"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

deb="$out/sessionmanager_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"
