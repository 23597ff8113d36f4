using Google.Protobuf;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Handlers;

/// <summary>ICP 2 Ping from the RDS server: a liveness check, answered pong = true.</summary>
public sealed class PingHandler : IIcpRequestHandler
{
    private static readonly PingResponse Pong = new() { Pong = true };

    public uint MsgType => (uint)Protocol.MsgType.Ping;

    public ValueTask<IMessage> HandleAsync(ByteString payload, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IMessage>(Pong);
}
