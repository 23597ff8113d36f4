using System.Diagnostics;
using System.Globalization;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing.BackendProtocol;

namespace SessionManager.IntegrationTests;

/// <summary>
/// The stand-in backend (tests/standin-backend) against the RDS side of the backend protocol
/// (SessionManager.Testing.BackendProtocol): the pair the logon tests will put around the daemon.
/// Run here directly, as the test's user, with cookies in the environment as the daemon will give them.
/// </summary>
public sealed class StandinBackendTests : IDisposable
{
    private const string OgonCookie = "ogonCookie0123456789abcdefghijklmnopqrstuvwxyzABCD";
    private const string BackendCookie = "backendCookieZYXWVUTSRQPONMLKJIHGFEDCBA9876543210";
    private static readonly string Endpoint = WinPrPipeName.Ogon(7, "X11");

    private readonly TempDirectory _dir = new();
    private readonly List<StandinBackendProcess> _backends = [];

    private string PipeDirectory => Path.Combine(_dir.Path, "pipe");

    private string EndpointPath => WinPrPipeName.ToPath(Endpoint, PipeDirectory);

    private static BackendActivation Activation(uint width = 1280, uint height = 720, string ogonCookie = OgonCookie) =>
        new(ogonCookie, BackendCookie, width, height, ConnectionId: 5);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_the_right_cookie_it_answers_the_backend_cookie_and_a_framebuffer_of_the_requested_size(bool waitForVersionReply)
    {
        var backend = await StartListeningAsync();

        await using var client = await BackendEndpointClient.ConnectLikeOgonAsync(Endpoint, pipeDirectory: PipeDirectory);
        var result = await client.ExchangeAsync(Activation(1280, 720), waitForVersionReply: waitForVersionReply);

        Assert.True(result.Outcome == BackendExchangeOutcome.Ok, result.ToString());
        Assert.Equal(new BackendVersion(1, 1, BackendCookie), result.VersionReply);
        Assert.Equal(new FramebufferInfo(0, 1280, 720, 1280 * 4, 32, 4, 0, 0), result.Framebuffer);
        await backend.WaitForEventAsync("capabilities conn=1 width=1280 height=720 colorDepth=0 clientId=5");
        Assert.Contains("cookie-ok conn=1 major=1 minor=1", backend.Events());
    }

    [Fact]
    public async Task A_wrong_ogon_cookie_closes_that_connection_is_reported_and_the_next_one_is_served()
    {
        var backend = await StartListeningAsync();

        var wrong = await BackendEndpointClient.ActivateLikeOgonAsync(Endpoint, Activation(ogonCookie: "not-the-cookie"), PipeDirectory);
        Assert.True(wrong.Outcome == BackendExchangeOutcome.Closed, wrong.ToString());
        Assert.Null(wrong.VersionReply);
        await backend.WaitForEventAsync("closed conn=1 reason=cookie-bad");
        Assert.Contains("cookie-bad conn=1 major=1 minor=1", backend.Events());

        var right = await BackendEndpointClient.ActivateLikeOgonAsync(Endpoint, Activation(), PipeDirectory);
        Assert.True(right.Outcome == BackendExchangeOutcome.Ok, right.ToString());
        Assert.Contains("cookie-ok conn=2 major=1 minor=1", backend.Events());
    }

    [Fact]
    public async Task A_backend_that_answers_another_cookie_is_a_cookie_mismatch_for_the_client()
    {
        // The client's check, against a real backend whose OGON_BACKEND_COOKIE is not the session's.
        await StartListeningAsync();

        var result = await BackendEndpointClient.ActivateLikeOgonAsync(Endpoint, Activation() with { BackendCookie = "another" }, PipeDirectory);

        Assert.Equal(BackendExchangeOutcome.CookieMismatch, result.Outcome);
        Assert.Equal(BackendCookie, result.VersionReply?.Cookie);
    }

    [Fact]
    public async Task The_report_says_who_started_it_where_and_with_what_environment_and_arguments()
    {
        var backend = await StartListeningAsync(extraEnvironment: new() { ["STANDIN_ODD_VALUE"] = "two\nlines\\here" }, extraArgs: ["-geometry", "800x600"]);

        var report = StandinReport.Read(backend.ReportPath);
        var pid = backend.Process.Id;
        var status = File.ReadAllLines($"/proc/{pid}/status");
        string StatusField(string name) => status.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
        var (group, session) = ProcStat.GroupAndSession(pid);

        Assert.Equal(pid.ToString(CultureInfo.InvariantCulture), report["pid"]);
        Assert.Equal(StatusField("Uid").Split('\t')[0], report["uid"]);
        Assert.Equal(StatusField("Gid").Split('\t')[0], report["gid"]);
        Assert.Equal(string.Join(',', StatusField("Groups").Split(' ', StringSplitOptions.RemoveEmptyEntries)), report["groups"]);
        Assert.Equal(group.ToString(CultureInfo.InvariantCulture), report["pgid"]);
        Assert.Equal(session.ToString(CultureInfo.InvariantCulture), report["sid"]);
        Assert.Equal(_dir.Path, report["cwd"]);
        Assert.Equal(EndpointPath, report["endpoint"]);
        Assert.Equal(["--endpoint-path", EndpointPath, "-geometry", "800x600"], report.Args);

        Assert.Equal("7", report.Variable("OGON_SID"));
        Assert.Equal(OgonCookie, report.Variable("OGON_COOKIE"));
        Assert.Equal(BackendCookie, report.Variable("OGON_BACKEND_COOKIE"));
        Assert.Equal("1920x1200", report.Variable("OGON_SMAX"));
        Assert.Equal(@"two\nlines\\here", report.Variable("STANDIN_ODD_VALUE"));
    }

    [Fact]
    public async Task Like_the_Qt_greeter_it_takes_its_endpoint_and_report_from_the_environment()
    {
        var backend = Start(new() { ["OGON_PIPE_PATH"] = EndpointPath });
        await backend.WaitForEventAsync("listening path=" + EndpointPath);

        var result = await BackendEndpointClient.ActivateLikeOgonAsync(Endpoint, Activation(), PipeDirectory);

        Assert.True(result.Outcome == BackendExchangeOutcome.Ok, result.ToString());
        Assert.Equal(EndpointPath, StandinReport.Read(backend.ReportPath)["endpoint"]);
    }

    [Fact]
    public async Task With_never_listen_connecting_like_ogon_fails_once_20_ms_have_passed()
    {
        var backend = Start([], "--endpoint-path", EndpointPath, "--never-listen");
        await backend.WaitForEventAsync("never-listen");

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<BackendEndpointMissingException>(() => BackendEndpointClient.ConnectLikeOgonAsync(Endpoint, pipeDirectory: PipeDirectory));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(10));

        var result = await BackendEndpointClient.ActivateLikeOgonAsync(Endpoint, Activation(), PipeDirectory);
        Assert.Equal(BackendExchangeOutcome.EndpointMissing, result.Outcome);
        Assert.False(backend.Process.HasExited, "it keeps running without an endpoint");
    }

    [Fact]
    public async Task A_socket_file_nobody_listens_on_is_a_failed_connect()
    {
        // What a crashed backend leaves behind: the file exists, so the 20 ms wait passes.
        var backend = await StartListeningAsync();
        await backend.SendSignalAsync("KILL");
        await backend.WaitForExitAsync();
        Assert.True(File.Exists(EndpointPath), "SIGKILL leaves the socket file");

        var result = await BackendEndpointClient.ActivateLikeOgonAsync(Endpoint, Activation(), PipeDirectory);

        Assert.True(result.Outcome == BackendExchangeOutcome.ConnectFailed, result.ToString());
    }

    [Fact]
    public async Task With_exit_at_once_it_exits_3_after_writing_its_report()
    {
        var backend = Start([], "--endpoint-path", EndpointPath, "--exit-at-once");

        Assert.Equal(3, await backend.WaitForExitAsync());
        Assert.Equal(EndpointPath, StandinReport.Read(backend.ReportPath)["endpoint"]);
        Assert.False(File.Exists(EndpointPath), "no endpoint was created");
    }

    [Fact]
    public async Task SIGTERM_ends_it_with_status_0_and_removes_its_own_endpoint()
    {
        var backend = await StartListeningAsync();

        await backend.SendSignalAsync("TERM");

        Assert.Equal(0, await backend.WaitForExitAsync());
        Assert.False(File.Exists(EndpointPath), "the stand-in removes the socket it bound");
    }

    [Fact]
    public async Task With_ignore_sigterm_it_survives_SIGTERM_and_still_serves_until_SIGKILL()
    {
        var backend = await StartListeningAsync(extraArgs: ["--ignore-sigterm"]);

        await backend.SendSignalAsync("TERM");
        var result = await BackendEndpointClient.ActivateLikeOgonAsync(Endpoint, Activation(), PipeDirectory);

        Assert.True(result.Outcome == BackendExchangeOutcome.Ok, result.ToString());
        Assert.False(backend.Process.HasExited);
        await backend.SendSignalAsync("KILL");
        Assert.Equal(137, await backend.WaitForExitAsync()); // .NET reports death by signal N as 128+N
    }

    [Fact]
    public async Task A_file_already_at_the_endpoint_is_left_alone_and_the_stand_in_exits_4()
    {
        Directory.CreateDirectory(PipeDirectory);
        await File.WriteAllTextAsync(EndpointPath, "not ours");

        var backend = Start([], "--endpoint-path", EndpointPath);

        Assert.Equal(4, await backend.WaitForExitAsync());
        Assert.Equal("not ours", await File.ReadAllTextAsync(EndpointPath));
        Assert.Contains(backend.Events(), l => l.StartsWith("listen-failed path=" + EndpointPath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Twenty_stand_ins_at_once_each_serve_their_own_endpoint()
    {
        // A small storm on a busy two-core machine: each waits in poll(), none spins.
        var endpoints = Enumerable.Range(100, 20).Select(id => WinPrPipeName.Ogon((uint)id, "X11")).ToList();
        var backends = endpoints.Select(e =>
        {
            var dir = Directory.CreateDirectory(Path.Combine(_dir.Path, e[^10..])).FullName;
            return Track(StandinBackendProcess.Start(dir, Environment(), "--endpoint-path", WinPrPipeName.ToPath(e, PipeDirectory)));
        }).ToList();
        await Task.WhenAll(backends.Select(b => b.WaitForEventAsync("listening")));

        var results = await Task.WhenAll(endpoints.Select(e => BackendEndpointClient.ActivateLikeOgonAsync(e, Activation(), PipeDirectory)));

        Assert.All(results, r => Assert.True(r.Outcome == BackendExchangeOutcome.Ok, r.ToString()));
    }

    private async Task<StandinBackendProcess> StartListeningAsync(Dictionary<string, string>? extraEnvironment = null, string[]? extraArgs = null)
    {
        var backend = Start(extraEnvironment ?? [], ["--endpoint-path", EndpointPath, .. extraArgs ?? []]);
        await backend.WaitForEventAsync("listening path=" + EndpointPath);
        return backend;
    }

    private StandinBackendProcess Start(Dictionary<string, string> extraEnvironment, params string[] args)
    {
        var environment = Environment();
        foreach (var (name, value) in extraEnvironment)
        {
            environment[name] = value;
        }

        return Track(StandinBackendProcess.Start(_dir.Path, environment, args));
    }

    private StandinBackendProcess Track(StandinBackendProcess backend)
    {
        _backends.Add(backend);
        return backend;
    }

    // What SESSIONS.md §3.2 gives every backend, with this test's cookies.
    private static Dictionary<string, string> Environment() => new()
    {
        ["OGON_SID"] = "7",
        ["OGON_COOKIE"] = OgonCookie,
        ["OGON_BACKEND_COOKIE"] = BackendCookie,
        ["OGON_SMAX"] = "1920x1200",
        ["OGON_CONNECTION_BPP"] = "32",
    };

    public void Dispose()
    {
        foreach (var backend in _backends)
        {
            backend.Dispose();
        }

        _dir.Dispose();
    }
}
