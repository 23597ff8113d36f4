using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests.Support;

/// <summary>
/// A daemon with sessions on, as on an ogon host, but with the stand-in backend in place of
/// ogon's X backend and Qt greeter, its files in a directory of its own, and a fake RDS server
/// that answers LogoffUserSession and SwitchTo as ogon's does (recording them). Needs root and
/// the test users of tests/setup-test-host.sh (the test command sets them up).
/// </summary>
public sealed class SessionRig : IAsyncDisposable
{
    public const string Password1 = "Pw-smtest1!";
    public const string Password2 = "Pw-smtest2!";

    private SessionRig(Daemon daemon, FakeRdsPeer rds, string directory)
    {
        Daemon = daemon;
        Rds = rds;
        Directory = directory;
    }

    public Daemon Daemon { get; }

    public FakeRdsPeer Rds { get; private set; }

    /// <summary>Reports of the stand-ins (report-&lt;sid&gt;) and the pipe directory (pipe/).</summary>
    public string Directory { get; }

    public string PipeDirectory => Path.Combine(Directory, "pipe");

    public List<RPCBase> SmRequests { get; } = [];

    /// <summary>What the fake RDS answers SwitchTo (success by default).</summary>
    public bool SwitchToSucceeds { get; set; } = true;

    public static string StandinPath =>
        Environment.GetEnvironmentVariable("SM_STANDIN_BACKEND") is { Length: > 0 } path ? path
        : Path.Combine(ToolingTests.RepositoryRoot(), "tests/standin-backend/build/standin-backend");

    public static async Task<SessionRig> StartAsync(params string[] settings)
    {
        var directory = CreateDirectory();
        var daemon = await Daemon.StartAsync([.. DaemonSettings(directory), .. settings]);
        var rds = await daemon.ConnectRdsAsync();
        var rig = new SessionRig(daemon, rds, directory);
        rig.Answer(rds);
        return rig;
    }

    /// <summary>A directory for reports and pipes that the backends (run as the test users) can write to.</summary>
    public static string CreateDirectory()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("sm-rig-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
        return directory;
    }

    /// <summary>The daemon settings of a rig: sessions on, the stand-in as desktop and greeter,
    /// its reports and pipes in <paramref name="directory"/>. Shared with tests that play the
    /// RDS with another peer (the C one of tests/interop).</summary>
    public static string[] DaemonSettings(string directory)
    {
        string[] backend(string name, string user) =>
        [
            $"Backends:{name}:Command:0={StandinPath}",
            $"Backends:{name}:Command:1=--endpoint-path",
            $"Backends:{name}:Command:2={{EndpointPath}}",
            $"Backends:{name}:Command:3=--report",
            $"Backends:{name}:Command:4={directory}/report-{{SessionId}}",
            $"Backends:{name}:Endpoint=ogon_{{SessionId}}_{(name == "greeter" ? "Qt" : "X11")}",
            $"Backends:{name}:User={user}",
            $"Backends:{name}:StopTimeout=00:00:02",
        ];
        return
        [
            "FdsApi:Routing=sessions",
            $"Pipes:Directory={Path.Combine(directory, "pipe")}",
            .. backend("desktop", ""),
            .. backend("greeter", "nobody"),
        ];
    }

    /// <summary>Connects a new fake RDS (after the old one left: a restarted RDS server).</summary>
    public async Task ReconnectRdsAsync()
    {
        Rds = await Daemon.ConnectRdsAsync();
        Answer(Rds);
    }

    private void Answer(FakeRdsPeer rds) => rds.Answer = request =>
    {
        lock (SmRequests)
        {
            SmRequests.Add(request);
        }

        return (MsgType)request.MsgType switch
        {
            MsgType.SwitchTo => RpcMessages.Success(request.Tag, request.MsgType, new SwitchToResponse { Success = SwitchToSucceeds }),
            _ => StandardRdsAnswers.Answer(request),
        };
    };

    public IReadOnlyList<RPCBase> RequestsOfType(MsgType type)
    {
        lock (SmRequests)
        {
            return [.. SmRequests.Where(r => r.MsgType == (uint)type)];
        }
    }

    public Task<OgonConnectionResult> LogonAsync(uint connectionId, string user, string password, string clientHost = "pc1") =>
        Rds.PlayOgonConnectionAsync(new OgonClientConnection(connectionId, user, password, ClientHostName: clientHost), PipeDirectory);

    /// <summary>
    /// As <see cref="LogonAsync"/>, for logons run at the same time on this RDS (its requests are
    /// matched by tag); do not mix with sequential calls on the same <see cref="Rds"/>.
    /// </summary>
    public Task<OgonConnectionResult> LogonConcurrentlyAsync(uint connectionId, string user, string password, string clientHost = "pc1") =>
        Rds.PlayOgonConnectionConcurrentlyAsync(new OgonClientConnection(connectionId, user, password, ClientHostName: clientHost), PipeDirectory,
            backendTimeout: null, requestTimeout: TimeSpan.FromSeconds(90));

    /// <summary>Sends a bare LogonUser (none of ogon's property calls first) and does not wait for
    /// its answer: for tests that time the answer or act while the logon runs.</summary>
    public Task SendLogonUserAsync(uint connectionId, string user, string password) =>
        Rds.SendAsync(RpcMessages.Request(Rds.NextTag(), (uint)MsgType.LogonUser, new LogonUserRequest
        {
            ConnectionId = connectionId,
            Username = user,
            Password = password,
            Domain = "",
            Width = 1024,
            Height = 768,
            ColorDepth = 32,
            ClientHostName = "pc1",
            ClientAddress = "192.0.2.1",
        }));

    /// <summary>The stand-in's report of a session's backend (written once it runs).</summary>
    public async Task<Dictionary<string, string>> ReportAsync(int sessionId)
    {
        string path = Path.Combine(Directory, $"report-{sessionId}");
        await Wait.UntilAsync(() => File.Exists(path), $"the backend of session {sessionId} reports");
        var lines = await File.ReadAllLinesAsync(path);
        int env = Array.IndexOf(lines, "env:");
        var report = lines.Take(env).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        foreach (var variable in lines.Skip(env + 1).Select(l => l.Split('=', 2)).Where(p => p.Length == 2))
        {
            report["env:" + variable[0]] = variable[1];
        }

        return report;
    }

    public static bool ProcessExists(int pid) => System.IO.Directory.Exists($"/proc/{pid}");

    public async ValueTask DisposeAsync()
    {
        await Rds.DisposeAsync();
        await Daemon.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
