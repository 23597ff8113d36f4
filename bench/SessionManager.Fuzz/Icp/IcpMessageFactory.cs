using Google.Protobuf;
using SessionManager.Icp;
using SessionManager.Icp.Protocol;
using static SessionManager.Fuzz.RandomValues;

namespace SessionManager.Fuzz.Icp;

/// <summary>
/// Well-formed ICP messages of every type in ICP.md, both requests and responses, with random
/// field values: the seeds the mutations start from. Types that make the daemon start a
/// launcher (and ask PAM) are drawn only at <see cref="LogonShare"/>, so a run measures the
/// protocol code rather than PAM's speed.
/// </summary>
public sealed class IcpMessageFactory(double logonShare)
{
    /// <summary>LogonUser, ReconnectUser, AuthenticateUser: each may cost a launcher process and a PAM conversation.</summary>
    public static readonly uint[] LogonTypes = [(uint)MsgType.LogonUser, (uint)MsgType.ReconnectUser, (uint)MsgType.AuthenticateUser];

    /// <summary>Every other msgType the spec lists, 3 (retired) and 18/20 (SM→RDS only, no message here) included.</summary>
    public static readonly uint[] OtherTypes = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 201, 202];

    /// <summary>A few user names only: Auth:MaxFailures then refuses them without PAM, as it would a real guesser.</summary>
    private static readonly string[] Users = ["fuzz1", "fuzz2", "root", "nobody"];

    public double LogonShare { get; } = logonShare;

    public static RPCBase Handshake(uint tag, uint vmajor = 1, uint vminor = 1) => new()
    {
        Tag = tag, IsResponse = false, Status = RPCStatus.Success, MsgType = IcpMessageTypes.Handshake,
        VersionInfo = new VersionInfo { Vmajor = vmajor, Vminor = vminor },
    };

    public static RPCBase PingRequest(uint tag) => Envelope(tag, false, (uint)MsgType.Ping, new PingRequest());

    public static RPCBase Answer(RPCBase request, RPCStatus status, IMessage? payload)
    {
        var answer = new RPCBase { Tag = request.Tag, IsResponse = true, Status = status, MsgType = request.MsgType };
        if (payload is not null)
        {
            answer.Payload = payload.ToByteString();
        }

        return answer;
    }

    /// <summary>A random msgType: a logon-family one at <see cref="LogonShare"/>, else any other.</summary>
    public uint RandomType(Random rng) =>
        rng.NextDouble() < LogonShare ? LogonTypes[rng.Next(LogonTypes.Length)] : OtherTypes[rng.Next(OtherTypes.Length)];

    /// <summary>A request (RDS→SM direction, or SM→RDS ones sent the wrong way) or a response with any tag.</summary>
    public RPCBase RandomMessage(Random rng, uint tag)
    {
        uint type = RandomType(rng);
        bool response = rng.Next(4) == 0;
        var message = Envelope(tag, response, type, response ? ResponsePayload(rng, type) : RequestPayload(rng, type));
        if (response && rng.Next(3) == 0)
        {
            message.Status = (RPCStatus)rng.Next(3);
            message.ErrorDescription = Text(rng);
        }

        return message;
    }

    public static RPCBase Envelope(uint tag, bool isResponse, uint msgType, IMessage? payload)
    {
        var message = new RPCBase { Tag = tag, IsResponse = isResponse, Status = RPCStatus.Success, MsgType = msgType };
        if (payload is not null)
        {
            message.Payload = payload.ToByteString();
        }

        return message;
    }

    public static IMessage? RequestPayload(Random rng, uint type) => (MsgType)type switch
    {
        MsgType.IsChannelAllowed => new IsChannelAllowedRequest { ChannelName = Text(rng) },
        MsgType.Ping => new PingRequest(),
        MsgType.DisconnectUserSession => new DisconnectUserSessionRequest { ConnectionId = U32(rng) },
        MsgType.LogoffUserSession => new LogoffUserSessionRequest { ConnectionId = U32(rng) },
        MsgType.VirtualChannelOpen => new VirtualChannelOpenRequest { ConnectionId = U32(rng), VirtualName = Text(rng), DynamicChannel = Bool(rng), Flags = U32(rng) },
        MsgType.LogonUser => LogonUser(rng),
        MsgType.ReconnectUser => ReconnectUser(rng),
        MsgType.SwitchTo => new SwitchToRequest
        {
            ConnectionId = U32(rng), ServiceEndpoint = Text(rng), MaxHeight = U32(rng), MaxWidth = U32(rng),
            BackendCookie = Text(rng), OgonCookie = Text(rng),
        },
        MsgType.PropertyBool => new PropertyBoolRequest { ConnectionId = U32(rng), Path = Text(rng) },
        MsgType.PropertyNumber => new PropertyNumberRequest { ConnectionId = U32(rng), Path = Text(rng) },
        MsgType.PropertyString => new PropertyStringRequest { ConnectionId = U32(rng), Path = Text(rng) },
        MsgType.VirtualChannelClose => new VirtualChannelCloseRequest { ConnectionId = U32(rng), VirtualName = Text(rng), Instance = U32(rng) },
        MsgType.StartRemoteControl => new StartRemoteControlRequest
        {
            ConnectionId = U32(rng), TargetConnectionId = U32(rng), HotKeyVk = U32(rng), HotKeyModifiers = U32(rng), Flags = U32(rng),
        },
        MsgType.StopRemoteControl => new StopRemoteControlRequest { ConnectionId = U32(rng) },
        MsgType.RemoteControlEnded => new RemoteControlEndedRequest { SpyId = U32(rng), SpiedId = U32(rng) },
        MsgType.Message => new MessageRequest
        {
            ConnectionId = U32(rng), Type = U32(rng), Style = U32(rng), Timeout = U32(rng), ParameterNum = U32(rng),
            Parameter1 = Text(rng), Parameter2 = Text(rng),
        },
        MsgType.PropertyBulk => PropertyBulk(rng),
        MsgType.AuthenticateUser => new AuthenticateUserRequest { SessionId = U32(rng), Username = Users[rng.Next(Users.Length)], Password = Text(rng), Domain = Text(rng) },
        MsgType.EndSession => new EndSessionRequest { SessionId = U32(rng) },
        MsgType.SbpVersionInfo => new VersionInfoRequest { SessionId = U32(rng), Vmajor = U32(rng), Vminor = U32(rng) },
        _ => rng.Next(2) == 0 ? null : new PingRequest(), // 3, 18, 20: nothing the daemon handles
    };

    public static IMessage? ResponsePayload(Random rng, uint type) => (MsgType)type switch
    {
        MsgType.IsChannelAllowed => new IsChannelAllowedResponse { ChannelAllowed = Bool(rng) },
        MsgType.Ping => new PingResponse { Pong = Bool(rng) },
        MsgType.DisconnectUserSession => new DisconnectUserSessionResponse { Disconnected = Bool(rng) },
        MsgType.LogoffUserSession => new LogoffUserSessionResponse { Loggedoff = Bool(rng) },
        MsgType.VirtualChannelOpen => new VirtualChannelOpenResponse { ConnectionString = Text(rng), Instance = U32(rng) },
        MsgType.LogonUser or MsgType.ReconnectUser => new LogonUserResponse
        {
            ServiceEndpoint = Text(rng), MaxHeight = U32(rng), MaxWidth = U32(rng), BackendCookie = Text(rng), OgonCookie = Text(rng),
        },
        MsgType.SwitchTo => new SwitchToResponse { Success = Bool(rng) },
        MsgType.PropertyBool => new PropertyBoolResponse { Value = Bool(rng), Success = Bool(rng) },
        MsgType.PropertyNumber => new PropertyNumberResponse { Value = U32(rng), Success = Bool(rng) },
        MsgType.PropertyString => new PropertyStringResponse { Value = Text(rng), Success = Bool(rng) },
        MsgType.VirtualChannelClose => new VirtualChannelCloseResponse { Success = Bool(rng) },
        MsgType.StartRemoteControl => new StartRemoteControlResponse { Success = Bool(rng) },
        MsgType.StopRemoteControl => new StopRemoteControlResponse { Success = Bool(rng) },
        MsgType.RemoteControlEnded => new RemoteControlEndedResponse { Success = Bool(rng) },
        MsgType.Message => new MessageResponse { Result = U32(rng) },
        MsgType.PropertyBulk => new PropertyBulkResponse { Results = { new PropertyValue { Success = Bool(rng), StringValue = Text(rng), IntValue = I32(rng) } } },
        MsgType.AuthenticateUser => new AuthenticateUserResponse { AuthStatus = (AuthenticateUserResponse.Types.AUTH_STATUS)rng.Next(5) },
        MsgType.EndSession => new EndSessionResponse { Success = Bool(rng) },
        MsgType.SbpVersionInfo => new VersionInfoResponse { Vmajor = U32(rng), Vminor = U32(rng) },
        _ => null,
    };

    private static LogonUserRequest LogonUser(Random rng) => new()
    {
        ConnectionId = U32(rng), Username = Users[rng.Next(Users.Length)], Password = Text(rng), Domain = Text(rng),
        Width = U32(rng), Height = U32(rng), ColorDepth = U32(rng), ClientHostName = Text(rng), ClientAddress = "fuzz",
        ClientBuildNumber = U32(rng), ClientProductId = U32(rng), ClientHardwareId = U32(rng), ClientProtocolType = U32(rng),
    };

    private static ReconnectUserRequest ReconnectUser(Random rng) => new()
    {
        ConnectionId = U32(rng), SessionId = U32(rng), ClientRandom = ByteString.CopyFrom(Bytes(rng)), ClientCookie = ByteString.CopyFrom(Bytes(rng)),
        Width = U32(rng), Height = U32(rng), ColorDepth = U32(rng), ClientHostName = Text(rng), ClientAddress = "fuzz",
        ClientBuildNumber = U32(rng), ClientProductId = U32(rng), ClientHardwareId = U32(rng), ClientProtocolType = U32(rng),
    };

    private static PropertyBulkRequest PropertyBulk(Random rng)
    {
        var request = new PropertyBulkRequest { ConnectionId = U32(rng) };
        int count = rng.Next(8) == 0 ? rng.Next(500, 5000) : rng.Next(12);
        for (int i = 0; i < count; i++)
        {
            request.Properties.Add(new PropertyReq { PropertyType = (EnumPropertyType)rng.Next(4), PropertyPath = Text(rng) });
        }

        return request;
    }
}
