namespace SessionManager.Hosting;

/// <summary>One configuration key as the operator sees it.</summary>
/// <param name="Default">as written in appsettings.json or on the command line.</param>
public sealed record ConfigurationKey(string Key, string Default, string Meaning);

/// <summary>
/// Every configuration key, its default and what it means: the one list behind <c>--help</c>,
/// kept equal to README's Configuration table and to the options classes by tests.
/// </summary>
public static class ConfigurationKeys
{
    public static IReadOnlyList<ConfigurationKey> All { get; } =
    [
        new("Icp:SocketPath", "/tmp/.pipe/FreeRDS_SessionManager",
            "Unix socket the RDS server connects to (ogon-rdp-server: /tmp/.pipe/ogon_SessionManager); absolute, at most 107 bytes. A socket left by a dead daemon is replaced; any other file there stops start-up. <path>.lock beside it is locked while the daemon runs. Removed at shutdown"),
        new("Icp:SocketMode", "0660", "file mode of the socket, octal; a mode that lets others write, or with setuid/setgid/sticky bits, is refused"),
        new("Icp:RequestTimeout", "00:00:10", "how long an SM->RDS call may wait for its answer"),
        new("Icp:MaxFrameBytes", "1048576", "largest ICP frame accepted; a larger one closes the connection"),
        new("Icp:MaxPendingCalls", "4096", "most SM->RDS calls waiting for their answers at once; a call beyond that fails at once"),
        new("Icp:MaxConcurrentRequests", "256", "most RDS->SM requests handled at once"),
        new("Icp:PingInterval", "00:00:10", "how often the RDS server is pinged"),
        new("Icp:PingTimeout", "00:00:05", "a ping unanswered for this long closes the connection"),
        new("Icp:AllowedUids", "[0]", "uids (SO_PEERCRED) allowed to connect as the RDS server; on the command line --Icp:AllowedUids:0=0 --Icp:AllowedUids:1=UID"),
        new("FdsApi:Address", "127.0.0.1", "Thrift listen address"),
        new("FdsApi:Port", "9091", "Thrift listen port (0: any free port)"),
        new("FdsApi:MaxConnections", "1024", "most Thrift connections at once"),
        new("FdsApi:MaxFrameBytes", "1048576", "largest Thrift message accepted"),
        new("FdsApi:FrameTimeout", "00:00:05", "how long a client may take to send the rest of a message it has begun"),
        new("FdsApi:ShutdownGracePeriod", "00:00:03", "on SIGTERM, how long calls in progress may still finish"),
        new("FdsApi:Routing", "sessions", "sessions: an fdsapi sessionId names a session of the registry; connection: it is the RDS connectionId (FreeRDS-era rule, for test rigs)"),
        new("Log:Format", "auto", "text, json (compact JSON, one event per line), or auto: text on a terminal, JSON otherwise"),
        new("Log:Console", "true", "false turns console logging off"),
        new("Serilog:MinimumLevel:Default", "Information", "lowest level logged: Verbose, Debug, Information, Warning, Error, Fatal"),
        new("Serilog:MinimumLevel:Override:<Category>", "Microsoft: Warning", "the level for one log category (and those below it)"),
    ];
}
