using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Handlers;

/// <summary>ICP 2 Ping from the RDS server: a liveness check, answered pong = true.</summary>
public sealed class PingHandler : IIcpRequestHandler<PingRequest, PingResponse>
{
    private static readonly PingResponse Pong = new() { Pong = true };

    public ValueTask<IcpAnswer<PingResponse>> HandleAsync(PingRequest request, IcpRequestContext context) =>
        ValueTask.FromResult<IcpAnswer<PingResponse>>(Pong);
}
