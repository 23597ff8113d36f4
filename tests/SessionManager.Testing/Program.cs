using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.Testing;
using Thrift;
using Thrift.Transport;

// smtest: try the daemon by hand.
//   smtest fake-rds [--socket PATH]                     a fake RDS server that answers everything
//   smtest call [--port N] [--unframed] [--compact] METHOD ARGS...
// Exit status (sysexits.h): 0 done, 3 the call failed (TApplicationException), 64 usage,
// 69 no session manager there, 75 the session manager refused us (another RDS server is connected).
const int ExUsage = 64;
const int ExUnavailable = 69;
const int ExTempFail = 75;

try
{
    return args.FirstOrDefault() switch
    {
        "--help" or "-h" or "help" => Usage(Console.Out, 0),
        "fake-rds" => await FakeRdsAsync(Option(args, "--socket") ?? "/tmp/.pipe/FreeRDS_SessionManager"),
        "call" => await CallAsync(args[1..]),
        "logon" => await LogonAsync(args[1..]),
        _ => Usage(Console.Error, ExUsage),
    };
}
catch (SmtestException ex)
{
    Console.Error.WriteLine($"smtest: {ex.Message}");
    return ex.ExitCode;
}

static int Usage(TextWriter to, int exitCode)
{
    to.WriteLine("""
        usage: smtest fake-rds [--socket PATH]
               smtest call [--port N] [--unframed] [--compact] [--token T] METHOD ARGS...
               smtest logon [--socket PATH] [--pipes DIR] [--connection N] USER PASSWORD
                 (plays one RDP client connection as the ogon RDS does: PropertyBulk,
                 tcp.keepalive.params, LogonUser, the backend's cookie exchange; then keeps
                 the RDS link, and so the session, until Ctrl-C; an empty PASSWORD gets the greeter)
               smtest --help
        methods: ping N | getVersionInfo | virtualChannelOpen SESSION NAME [ISDYN FLAGS]
                 virtualChannelClose SESSION NAME INSTANCE | disconnectSession SESSION [WAIT]
                 logoffSession SESSION [WAIT] | sendMessage SESSION TITLE TEXT [WAIT]
                 startRemoteControlSession SOURCE TARGET VK MODIFIERS FLAGS
                 stopRemoteControlSession SOURCE TARGET | logonConnection USER PASSWORD [DOMAIN]
                 enumerateSessions | getPermissionForToken | logoffConnection
        exit status: 0 done, 3 the call failed, 64 usage, 69 no session manager listening,
                     75 the session manager refused the connection (an RDS server is connected)
        """);
    return exitCode;
}

static async Task<int> LogonAsync(string[] args)
{
    var rest = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).ToList();
    if (rest.Count != 2)
    {
        return Usage(Console.Error, ExUsage);
    }

    string socketPath = Option(args, "--socket") ?? "/tmp/.pipe/FreeRDS_SessionManager";
    string pipes = Option(args, "--pipes") ?? "/tmp/.pipe";
    uint connectionId = uint.TryParse(Option(args, "--connection") ?? "1", out uint c) ? c : throw new SmtestException(ExUsage, "--connection: not a number");
    await using var peer = await ConnectAsync(socketPath);
    peer.Answer = request =>
    {
        // As ogon's RDS: SwitchTo and LogoffUserSession succeed (for the greeter's login).
        var response = (MsgType)request.MsgType == MsgType.SwitchTo
            ? RpcMessages.Success(request.Tag, request.MsgType, new SwitchToResponse { Success = true })
            : StandardRdsAnswers.Answer(request);
        Console.WriteLine($"{(MsgType)request.MsgType} tag {request.Tag} from the session manager -> {response.Status}");
        return response;
    };
    var result = await peer.PlayOgonConnectionAsync(new OgonClientConnection(connectionId, rest[0], rest[1]), pipes);
    foreach (var answer in result.Answers)
    {
        Console.WriteLine($"{(MsgType)answer.MsgType}: {answer.Status}{(answer.HasErrorDescription ? " (" + answer.ErrorDescription + ")" : "")}");
    }

    if (result.Logon is { } logon)
    {
        Console.WriteLine($"session endpoint {logon.ServiceEndpoint}, max {logon.MaxWidth}x{logon.MaxHeight}");
    }

    if (result.Backend is { } backend)
    {
        Console.WriteLine($"backend: {backend.Outcome} {backend.Detail}");
    }

    if (!result.Succeeded)
    {
        Console.Error.WriteLine($"smtest: the RDS server would close this client: {result.RefusedBecause}");
        return 3;
    }

    Console.WriteLine("logged on; keeping the RDS link (Ctrl-C ends it, which disconnects the session)");
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    await Task.WhenAny(peer.Closed, Task.Delay(Timeout.Infinite, stop.Token));
    return 0;
}

static async Task<FakeRdsPeer> ConnectAsync(string socketPath)
{
    FakeRdsPeer peer;
    try
    {
        peer = await FakeRdsPeer.ConnectAsync(socketPath);
    }
    catch (SocketException ex)
    {
        // A missing socket file is reported by .NET as "Cannot assign requested address".
        throw new SmtestException(ExUnavailable, File.Exists(socketPath)
            ? $"no session manager listening on {socketPath}: {ex.Message}"
            : $"no session manager: {socketPath} does not exist");
    }

    RPCBase answer;
    try
    {
        answer = await peer.HandshakeAsync();
    }
    catch (Exception ex) when (ex is ChannelClosedException or IOException or SocketException)
    {
        await peer.DisposeAsync();

        // The daemon closes a second RDS connection at once, without answering the handshake.
        throw new SmtestException(ExTempFail, $"the session manager on {socketPath} closed the connection without answering the handshake: another RDS server is probably connected");
    }

    Console.WriteLine($"connected to {socketPath}: session manager speaks ICP {answer.VersionInfo?.Vmajor}.{answer.VersionInfo?.Vminor}");
    return peer;
}

static async Task<int> FakeRdsAsync(string socketPath)
{
    await using var peer = await ConnectAsync(socketPath);
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
    string portText = Option(args, "--port") ?? "9091";
    if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
    {
        throw new SmtestException(ExUsage, $"--port: not a port number: '{portText}'");
    }

    var rest = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || args[i - 1] is not ("--port" or "--token"))).ToArray();
    string token = Option(args, "--token") ?? "";
    if (rest.Length == 0)
    {
        return Usage(Console.Error, ExUsage);
    }

    SessionManager.FdsApi.Generated.fdsapi.Client client;
    try
    {
        client = await FdsApiTestClient.ConnectAsync(port, framed: !args.Contains("--unframed"), compact: args.Contains("--compact"));
    }
    catch (Exception ex) when (ex is SocketException or TTransportException)
    {
        throw new SmtestException(ExUnavailable, $"no session manager listening on 127.0.0.1:{port}: {ex.Message}");
    }

    using var _ = client;
    int I(int n) => n < rest.Length && int.TryParse(rest[n], CultureInfo.InvariantCulture, out int value)
        ? value
        : throw new SmtestException(ExUsage, $"{rest[0]}: argument {n} must be a number (got '{(n < rest.Length ? rest[n] : "nothing")}')");
    bool B(int n) => rest.Length > n && (rest[n] is "1" or "true");
    try
    {
        object result = rest[0] switch
        {
            "ping" => await client.ping(I(1)),
            "getVersionInfo" => await client.getVersionInfo(new SessionManager.FdsApi.Generated.TVersion { VersionMajor = 1, VersionMinor = 1 }),
            "getPermissionForToken" => await client.getPermissionForToken(token),
            "logoffConnection" => await client.logoffConnection(token),
            "virtualChannelOpen" => await client.virtualChannelOpen(token, I(1), rest[2], B(3), rest.Length > 4 ? I(4) : 0),
            "virtualChannelClose" => await client.virtualChannelClose(token, I(1), rest[2], I(3)),
            "disconnectSession" => await client.disconnectSession(token, I(1), B(2)),
            "logoffSession" => await client.logoffSession(token, I(1), B(2)),
            "sendMessage" => await client.sendMessage(token, I(1), rest[2], rest[3], 0, 0, B(4)),
            "startRemoteControlSession" => await client.startRemoteControlSession(token, I(1), I(2), (sbyte)I(3), (short)I(4), I(5)),
            "stopRemoteControlSession" => await client.stopRemoteControlSession(token, I(1), I(2)),
            "logonConnection" => await client.logonConnection(rest[1], rest[2], rest.Length > 3 ? rest[3] : ""),
            "enumerateSessions" => await client.enumerateSessions(token, 1),
            _ => null!,
        };
        if (result is null)
        {
            return Usage(Console.Error, ExUsage);
        }

        Console.WriteLine(result);
        return 0;
    }
    catch (TApplicationException ex)
    {
        Console.WriteLine($"TApplicationException ({ex.Type}): {ex.Message}");
        return 3;
    }
    catch (IndexOutOfRangeException)
    {
        throw new SmtestException(ExUsage, $"{rest[0]}: missing arguments (smtest --help lists them)");
    }
    catch (TTransportException ex)
    {
        throw new SmtestException(ExUnavailable, $"the session manager on 127.0.0.1:{port} closed the connection: {ex.Message}");
    }
}

static string? Option(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>A failure smtest reports as one line and an exit status, not a stack trace.</summary>
internal sealed class SmtestException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
