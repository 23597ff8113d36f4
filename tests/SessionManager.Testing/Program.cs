using System.Globalization;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.Testing;
using Thrift;

// smtest: try the daemon by hand.
//   smtest fake-rds [--socket PATH]                     a fake RDS server that answers everything
//   smtest call [--port N] [--unframed] [--compact] METHOD ARGS...
return args.FirstOrDefault() switch
{
    "fake-rds" => await FakeRdsAsync(Option(args, "--socket") ?? "/tmp/.pipe/FreeRDS_SessionManager"),
    "call" => await CallAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: smtest fake-rds [--socket PATH]
               smtest call [--port N] [--unframed] [--compact] METHOD ARGS...
        methods: ping N | getVersionInfo | virtualChannelOpen SESSION NAME [ISDYN FLAGS]
                 virtualChannelClose SESSION NAME INSTANCE | disconnectSession SESSION [WAIT]
                 logoffSession SESSION [WAIT] | sendMessage SESSION TITLE TEXT [WAIT]
                 startRemoteControlSession SOURCE TARGET VK MODIFIERS FLAGS
                 stopRemoteControlSession SOURCE TARGET | logonConnection USER PASSWORD [DOMAIN]
                 enumerateSessions
        """);
    return 64;
}

static async Task<int> FakeRdsAsync(string socketPath)
{
    var (peer, answer) = await FakeRdsPeer.ConnectWithHandshakeAsync(socketPath);
    await using var _ = peer;
    Console.WriteLine($"connected to {socketPath}: session manager speaks ICP {answer.VersionInfo?.Vmajor}.{answer.VersionInfo?.Vminor}");
    peer.Answer = request =>
    {
        var response = StandardRdsAnswers.Answer(request);
        Console.WriteLine($"{(MsgType)request.MsgType} tag {request.Tag}: {Describe(request)} -> {response.Status}");
        return response;
    };
    await peer.Closed;
    Console.WriteLine("session manager closed the connection");
    return 0;
}

static string Describe(RPCBase request) => (MsgType)request.MsgType switch
{
    MsgType.VirtualChannelOpen => ProtoReader.Parse<VirtualChannelOpenRequest>(request.Payload, "").ToString(),
    MsgType.VirtualChannelClose => ProtoReader.Parse<VirtualChannelCloseRequest>(request.Payload, "").ToString(),
    MsgType.LogoffUserSession => ProtoReader.Parse<LogoffUserSessionRequest>(request.Payload, "").ToString(),
    MsgType.StartRemoteControl => ProtoReader.Parse<StartRemoteControlRequest>(request.Payload, "").ToString(),
    MsgType.StopRemoteControl => ProtoReader.Parse<StopRemoteControlRequest>(request.Payload, "").ToString(),
    MsgType.Message => ProtoReader.Parse<MessageRequest>(request.Payload, "").ToString(),
    _ => $"{request.Payload?.Length ?? 0} payload bytes",
};

static async Task<int> CallAsync(string[] args)
{
    int port = int.Parse(Option(args, "--port") ?? "9091", CultureInfo.InvariantCulture);
    var rest = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || args[i - 1] != "--port")).ToArray();
    if (rest.Length == 0)
    {
        return Usage();
    }

    using var client = await FdsApiTestClient.ConnectAsync(port, framed: !args.Contains("--unframed"), compact: args.Contains("--compact"));
    int I(int n) => int.Parse(rest[n], CultureInfo.InvariantCulture);
    bool B(int n) => rest.Length > n && (rest[n] is "1" or "true");
    try
    {
        object result = rest[0] switch
        {
            "ping" => await client.ping(I(1)),
            "getVersionInfo" => await client.getVersionInfo(new SessionManager.FdsApi.Generated.TVersion { VersionMajor = 1, VersionMinor = 1 }),
            "virtualChannelOpen" => await client.virtualChannelOpen("", I(1), rest[2], B(3), rest.Length > 4 ? I(4) : 0),
            "virtualChannelClose" => await client.virtualChannelClose("", I(1), rest[2], I(3)),
            "disconnectSession" => await client.disconnectSession("", I(1), B(2)),
            "logoffSession" => await client.logoffSession("", I(1), B(2)),
            "sendMessage" => await client.sendMessage("", I(1), rest[2], rest[3], 0, 0, B(4)),
            "startRemoteControlSession" => await client.startRemoteControlSession("", I(1), I(2), (sbyte)I(3), (short)I(4), I(5)),
            "stopRemoteControlSession" => await client.stopRemoteControlSession("", I(1), I(2)),
            "logonConnection" => await client.logonConnection(rest[1], rest[2], rest.Length > 3 ? rest[3] : ""),
            "enumerateSessions" => await client.enumerateSessions("", 1),
            _ => null!,
        };
        if (result is null)
        {
            return Usage();
        }

        Console.WriteLine(result);
        return 0;
    }
    catch (TApplicationException ex)
    {
        Console.WriteLine($"TApplicationException ({ex.Type}): {ex.Message}");
        return 3;
    }
}

static string? Option(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
