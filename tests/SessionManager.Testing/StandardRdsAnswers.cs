using Google.Protobuf;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.Testing;

/// <summary>
/// What a well-behaved RDS server answers, with values a test can predict (the same as the C
/// peer in tests/interop): VirtualChannelOpen gives <c>vc:{connectionId}:{name}</c>, instance 7.
/// </summary>
public static class StandardRdsAnswers
{
    public const uint ChannelInstance = 7;

    public static string PipeNameFor(uint connectionId, string virtualName) => $"vc:{connectionId}:{virtualName}";

    public static RPCBase Answer(RPCBase request)
    {
        IMessage? payload = (MsgType)request.MsgType switch
        {
            MsgType.Ping => new PingResponse { Pong = true },
            MsgType.VirtualChannelOpen => OpenChannel(ProtoReader.Parse<VirtualChannelOpenRequest>(request.Payload, "VirtualChannelOpen")),
            MsgType.VirtualChannelClose => new VirtualChannelCloseResponse { Success = true },
            MsgType.LogoffUserSession => new LogoffUserSessionResponse { Loggedoff = true },
            MsgType.StartRemoteControl => new StartRemoteControlResponse { Success = true },
            MsgType.StopRemoteControl => new StopRemoteControlResponse { Success = true },
            MsgType.Message => new MessageResponse { Result = 1 },
            _ => null,
        };
        return payload is null
            ? RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Notfound, null)
            : RpcMessages.Success(request.Tag, request.MsgType, payload);
    }

    private static VirtualChannelOpenResponse OpenChannel(VirtualChannelOpenRequest request) => new()
    {
        ConnectionString = PipeNameFor(request.ConnectionId, request.VirtualName),
        Instance = ChannelInstance,
    };
}
