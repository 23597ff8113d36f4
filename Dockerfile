# The daemon in a Debian 12 container, installed from its Debian package as on a host:
#   docker build -t sessionmanager .
#   docker run --network host -v /tmp/.pipe:/tmp/.pipe -v /tmp:/tmp sessionmanager
# The build stage runs the same package build as the test command (deploy/debian/build-deb.sh,
# checked there with lintian, installed, run and purged); the image installs that package with
# apt, which records the unit's enablement but starts nothing (no systemd in a container), and
# runs the daemon as the unit does: as root, with the unit's environment.
#
# What it is for: a session manager next to an RDS server that runs in a container too, sharing
# /tmp (the ICP socket in /tmp/.pipe, the sessions' token files in /tmp). What it cannot do:
# sessions' backends run inside this container (the RDS server must reach their pipes through
# the shared /tmp), PAM sees the container's users only, and there is no logind (pam_systemd in
# the PAM session stack does nothing).
# Docker is not on the development machines: this file is kept to steps the tests run.

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl git gcc make libc6-dev libpam0g-dev dpkg-dev \
 && curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh \
 && bash /tmp/dotnet-install.sh --channel 10.0 --install-dir /usr/share/dotnet \
 && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /src
COPY . .
RUN deploy/debian/build-deb.sh /out

FROM debian:12
COPY --from=build /out/ /tmp/deb/
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/deb/sessionmanager_*.deb \
 && rm -rf /tmp/deb /var/lib/apt/lists/*
VOLUME ["/tmp/.pipe"]
EXPOSE 9091
# The unit's environment (deploy/sessionmanager.service; a test keeps the DOTNET_ lines equal).
ENV Log__Format=json
ENV DOTNET_GCgen0size=0x400000
WORKDIR /usr/lib/sessionmanager
# SIGTERM (docker stop) shuts down cleanly.
ENTRYPOINT ["/usr/lib/sessionmanager/SessionManager"]
