# The daemon in a container: the same `dotnet publish` the tests and the benchmark use.
#   docker build -t sessionmanager .
#   docker run --network host -v /tmp/.pipe:/tmp/.pipe sessionmanager
# The RDS server (on the host or in another container sharing /tmp/.pipe) connects to the
# socket in that volume; fdsapi listens on 127.0.0.1:9091 (host network: tokens are not
# checked yet, so the port must stay on loopback).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/SessionManager -c Release -o /out

FROM mcr.microsoft.com/dotnet/runtime:10.0
RUN groupadd --system sessionmanager \
 && useradd --system --gid sessionmanager --no-create-home --shell /usr/sbin/nologin sessionmanager \
 && mkdir -p /tmp/.pipe && chown sessionmanager:sessionmanager /tmp/.pipe
COPY --from=build /out /opt/sessionmanager
USER sessionmanager
VOLUME ["/tmp/.pipe"]
EXPOSE 9091
# The runtime settings of the systemd unit (deploy/sessionmanager.service says why).
ENV DOTNET_GCgen0size=0x400000
# JSON logs on stdout (not a terminal); SIGTERM (docker stop) shuts down cleanly.
ENTRYPOINT ["/opt/sessionmanager/SessionManager"]
