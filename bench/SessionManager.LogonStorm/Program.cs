using System.Diagnostics;
using System.Globalization;
using SessionManager.Icp.Protocol;
using SessionManager.LogonStorm;

// The logon storm: N LogonUser at once on one ICP connection, each its own connectionId and
// user, through real PAM (pam_unix), sm-launcher and the stand-in backend. Prints figures.
//   SessionManager.LogonStorm --daemon DIR --standin PATH [--sessions N] [--rounds N] [--keep-users] [--set KEY=VALUE]...
var options = StormOptions.Parse(args);
var inv = CultureInfo.InvariantCulture;
string launcherPath = Path.Combine(options.DaemonDirectory, "sm-launcher");
string spawnerPath = Path.Combine(options.DaemonDirectory, "sm-spawner");
// Idle launchers of the pool stay while the daemon runs: "all gone" means only they are left.
int pool = options.PoolSize;
var work = Directory.CreateTempSubdirectory("sm-storm-");
// Backends run as the storm users: they must reach the pipe directory.
File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);

var clock = Stopwatch.StartNew();
int created = await StormUsers.CreateAsync(options.Sessions);
Console.WriteLine($"users: {options.Sessions} ready ({created} created) in {clock.Elapsed.TotalSeconds:0.0} s");

await using var daemon = DaemonRun.Start(options.DaemonDirectory, options.Standin, work.FullName, options.Settings.Select(s => "--" + s), options.DaemonNice, options.DaemonEnvironment);
Console.WriteLine($"daemon niceness {options.DaemonNice}; environment: {(options.DaemonEnvironment.Count > 0 ? string.Join(' ', options.DaemonEnvironment) : "inherited")}; settings: {(options.Settings.Count > 0 ? string.Join(' ', options.Settings) : "defaults")}");

await using var rds = await Connect(daemon.SocketPath);
await Task.Delay(1000);
long rssIdle = ProcFs.RssKb(daemon.Pid);

// Warm-up: one logon and its end, so JIT and first-use allocations are not counted per session.
await LogonAll(rds, [(999u, 1)]);
await EndAll(rds, [999u]);
await WaitGone(launcherPath, options.Standin, pool, TimeSpan.FromSeconds(30));
await Task.Delay(1000);
Console.WriteLine(string.Create(inv, $"daemon RSS: idle {rssIdle / 1024.0:0.0} MB, after one logon and its end {ProcFs.RssKb(daemon.Pid) / 1024.0:0.0} MB"));
await GcDumpAsync("after warm-up");

// Round 1 is the first storm a fresh daemon sees: besides the logons it pays the runtime's
// one-time costs (tiered JIT recompiling the logon path once it is hot, the GC heap and the
// thread pool growing to the storm's size). Later rounds, on the same daemon after every
// session of the round before has ended, show what a logon storm costs a daemon that has run.
bool allOk = true, allGone = true;
for (int round = 1; round <= options.Rounds; round++)
{
    var (roundOk, roundGone) = await Round(round);
    allOk &= roundOk;
    allGone &= roundGone;
}

int exit = await daemon.StopAsync(TimeSpan.FromSeconds(30));
bool nothingLeft = await WaitGone(launcherPath, options.Standin, 0, TimeSpan.FromSeconds(5)) && ProcFs.Running(spawnerPath).Count == 0
    && !Directory.EnumerateFileSystemEntries(Path.Combine(work.FullName, "pipe")).Any();
Console.WriteLine(string.Create(inv, $"daemon exit {exit} on SIGTERM; nothing left (processes, endpoints): {nothingLeft}"));
foreach (var problem in daemon.Problems.Take(20))
{
    Console.WriteLine("daemon said: " + problem);
}

if (!options.KeepUsers)
{
    clock.Restart();
    await StormUsers.RemoveAsync(options.Sessions);
    Console.WriteLine($"users: removed in {clock.Elapsed.TotalSeconds:0.0} s");
}

work.Delete(recursive: true);
return allOk && allGone && nothingLeft ? 0 : 1;

async Task<(bool Ok, bool Gone)> Round(int round)
{
    long rssBase = ProcFs.RssKb(daemon.Pid);
    daemon.ForgetEvents();
    // Connection ids of round r: r*1000 + 1..N (distinct from the round before and the warm-up's).
    var logons = Enumerable.Range(1, options.Sessions).Select(i => ((uint)(round * 1000 + i), i)).ToList();
    double daemonCpu0 = ProcFs.CpuMs(daemon.Pid), stormCpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    int threads0 = ProcFs.Threads(daemon.Pid);
    var (answers, t0) = await LogonAll(rds, logons);
    double sendMs = rds.LastSendMs;
    double daemonCpu = ProcFs.CpuMs(daemon.Pid) - daemonCpu0, stormCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - stormCpu0;
    int threadsAfter = ProcFs.Threads(daemon.Pid);
    // The daemon's log clock at t0 (same machine clock): places its events on the client's time line.
    var t0Wall = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(t0);
    var latencyMs = answers.Select(a => Stopwatch.GetElapsedTime(t0, a.ReceivedAt).TotalMilliseconds).ToArray();
    var ok = answers.Select(a => a.Message.Status == RPCStatus.Success
        && LogonUserResponse.Parser.ParseFrom(a.Message.Payload).ServiceEndpoint.EndsWith("_X11", StringComparison.Ordinal)).ToArray();
    await daemon.WaitForEventsAsync(3503, ok.Count(o => o), TimeSpan.FromSeconds(10));
    await Task.Delay(500);
    long rssAfter = ProcFs.RssKb(daemon.Pid);
    await GcDumpAsync($"round {round} with {options.Sessions} sessions");
    var backends = ProcFs.Running(options.Standin);
    // A session's launcher is its backend's parent; the others are the pool's idle ones.
    var sessionLaunchers = backends.Select(ProcFs.ParentPid).ToHashSet();
    var allLaunchers = ProcFs.Running(launcherPath);
    var launchers = allLaunchers.Where(sessionLaunchers.Contains).ToList();
    var idleLaunchers = allLaunchers.Where(l => !sessionLaunchers.Contains(l)).ToList();
    long launcherRss = launchers.Sum(ProcFs.RssKb);
    long launcherPss = launchers.Sum(ProcFs.PssKb);
    var spawners = ProcFs.Running(spawnerPath);
    long idleRss = idleLaunchers.Sum(ProcFs.RssKb), idlePss = idleLaunchers.Sum(ProcFs.PssKb), spawnerRss = spawners.Sum(ProcFs.RssKb);
    long backendRss = backends.Sum(ProcFs.RssKb);
    long backendPss = backends.Sum(ProcFs.PssKb);
    double launcherCpu = launchers.Sum(ProcFs.CpuMs);

    var timings = LogonTimings.Collect(daemon);
    var own = new List<double>();
    var beforeSlot = new List<double>();
    var beforeLogon = new List<double>();
    var pamToBackend = new List<double>();
    var endpointToAnswer = new List<double>();
    for (int i = 0; i < logons.Count; i++)
    {
        if (timings.TryGetValue(StormUsers.Name(logons[i].Item2), out var t))
        {
            own.Add(latencyMs[i] - t.ExternalMs);
            beforeSlot.Add((t.PamBegan - t0Wall).TotalMilliseconds - t.SlotWaitMs - t.LauncherWaitMs);
            if (t.LogonStarted is { } began)
            {
                beforeLogon.Add((began - t0Wall).TotalMilliseconds);
            }
            pamToBackend.Add((t.BackendStarting - t.PamAnswered).TotalMilliseconds);
            endpointToAnswer.Add(latencyMs[i] - (t.EndpointReady - t0Wall).TotalMilliseconds);
        }
    }

    // STORM_HOLD=<seconds>: the sessions stay up that long before the logoff (to look at them).
    if (int.TryParse(Environment.GetEnvironmentVariable("STORM_HOLD"), NumberStyles.None, inv, out int hold) && hold > 0)
    {
        Console.WriteLine($"holding the sessions for {hold} s (STORM_HOLD)");
        await Task.Delay(TimeSpan.FromSeconds(hold));
    }

    clock.Restart();
    await EndAll(rds, [.. logons.Select(l => l.Item1)]);
    bool gone = await WaitGone(launcherPath, options.Standin, pool, TimeSpan.FromSeconds(60));
    double endSeconds = clock.Elapsed.TotalSeconds;
    // Let the pool top itself up and the daemon settle before the next round's base figure.
    await Task.Delay(2000);

    string row(string what, Percentiles p) => string.Create(inv, $"{what,-44} {p.Min,9:0.00} {p.P50,9:0.00} {p.P99,9:0.00} {p.Max,9:0.00} {p.Count,5}");
    Console.WriteLine();
    Console.WriteLine(string.Create(inv, $"round {round} of {options.Rounds}{(round == 1 ? " (the daemon's first storm)" : " (the same daemon again)")}, load average {File.ReadAllText("/proc/loadavg")[..14]}"));
    Console.WriteLine(string.Create(inv, $"{options.Sessions} LogonUser at once: {ok.Count(o => o)} answered SUCCESS with a desktop endpoint, {ok.Count(o => !o)} not; budget {options.Budget.TotalMilliseconds:0} ms, latest answer {latencyMs.Max():0} ms; the write of the {options.Sessions} requests took {sendMs:0.00} ms"));
    Console.WriteLine($"{"ms per logon",-44} {"min",9} {"p50",9} {"p99",9} {"max",9} {"n",5}");
    Console.WriteLine(row("answer latency (client)", Percentiles.Of(latencyMs)));
    Console.WriteLine(row("  wait for an Auth:MaxConcurrent slot", Percentiles.Of(timings.Values.Select(t => t.SlotWaitMs))));
    Console.WriteLine(row("  PAM authenticate + account", Percentiles.Of(timings.Values.Select(t => t.PamMs))));
    Console.WriteLine(row("  backend start (PAM session, fork, exec)", Percentiles.Of(timings.Values.Select(t => t.BackendStartMs))));
    Console.WriteLine(row("  backend endpoint wait", Percentiles.Of(timings.Values.Select(t => t.EndpointWaitMs))));
    Console.WriteLine(row("daemon's own = latency - all of the above", Percentiles.Of(own)));
    Console.WriteLine(row("  of it: request sent until it asked for a slot", Percentiles.Of(beforeSlot)));
    Console.WriteLine(row("    of which: sent until the logon code began", Percentiles.Of(beforeLogon)));
    Console.WriteLine(row("  of it: waiting for a launcher", Percentiles.Of(timings.Values.Select(t => t.LauncherWaitMs))));
    Console.WriteLine(row("  of it: PAM answered until backend start", Percentiles.Of(pamToBackend)));
    Console.WriteLine(row("  of it: endpoint ready until answer read", Percentiles.Of(endpointToAnswer)));
    Console.WriteLine(string.Create(inv, $"launchers taken from the pool: {timings.Values.Count(t => t.FromPool)} of {timings.Count}; started on a logon's path: {timings.Values.Count(t => !t.FromPool)}"));
    Console.WriteLine(string.Create(inv, $"CPU from the write to the last answer ({latencyMs.Max() / 1000:0.0} s; 2 cores: {2 * latencyMs.Max() / 1000:0.0} s): daemon {daemonCpu:0} ms ({daemonCpu / options.Sessions:0.00} ms per logon; threads {threads0} -> {threadsAfter}), storm client {stormCpu:0} ms; session launchers over their lives {launcherCpu:0} ms ({launcherCpu / Math.Max(1, launchers.Count):0.0} ms each)"));
    Console.WriteLine(string.Create(inv, $"daemon RSS: before the round {rssBase / 1024.0:0.0} MB, with {options.Sessions} sessions {rssAfter / 1024.0:0.0} MB: {(rssAfter - rssBase) / (double)options.Sessions:0.0} KB per session"));
    Console.WriteLine(string.Create(inv, $"launchers: {launchers.Count} running a session, RSS {launcherRss / 1024.0:0.0} MB: {launcherRss / (double)Math.Max(1, launchers.Count) / 1024.0:0.00} MB per session (Pss {launcherPss / (double)Math.Max(1, launchers.Count) / 1024.0:0.00} MB)"));
    Console.WriteLine(string.Create(inv, $"idle launchers (pool {pool}): {idleLaunchers.Count}, RSS {idleRss / 1024.0:0.0} MB (Pss {idlePss / 1024.0:0.0} MB); sm-spawner: {spawners.Count}, RSS {spawnerRss / 1024.0:0.0} MB"));
    Console.WriteLine(string.Create(inv, $"stand-in backends: {backends.Count} running, RSS {backendRss / 1024.0:0.0} MB: {backendRss / (double)Math.Max(1, backends.Count) / 1024.0:0.00} MB per session (Pss {backendPss / (double)Math.Max(1, backends.Count) / 1024.0:0.00} MB)"));
    Console.WriteLine(string.Create(inv, $"logoff: DisconnectUserSession x{options.Sessions} (DisconnectedTimeout 0): every launcher and backend gone: {gone} after {endSeconds:0.0} s"));
    return (ok.All(o => o), gone);
}


static async Task<IcpClient> Connect(string socket)
{
    for (int attempt = 0; ; attempt++)
    {
        try
        {
            return await IcpClient.ConnectAsync(socket);
        }
        catch (System.Net.Sockets.SocketException) when (attempt < 100)
        {
            await Task.Delay(100);
        }
    }
}

// All requests leave in one write; t0 is taken just before it, once they are serialised.
static async Task<(IcpAnswer[] Answers, long T0)> LogonAll(IcpClient rds, IReadOnlyList<(uint Connection, int User)> logons)
{
    var requests = logons.Select(l => IcpClient.Request((uint)MsgType.LogonUser, new LogonUserRequest
    {
        ConnectionId = l.Connection, Username = StormUsers.Name(l.User), Password = StormUsers.Password(l.User), Domain = "",
        Width = 1920, Height = 1080, ColorDepth = 32, ClientHostName = "storm", ClientAddress = "127.0.0.1",
        ClientBuildNumber = 19041, ClientProductId = 1, ClientHardwareId = 0, ClientProtocolType = 2,
    })).ToList();
    var (pending, t0) = await rds.SendTimedBatchAsync(requests);
    var answers = await Task.WhenAll(pending);
    return (answers, t0);
}

static async Task EndAll(IcpClient rds, IReadOnlyList<uint> connections) =>
    await Task.WhenAll(await rds.SendBatchAsync([.. connections.Select(c =>
        IcpClient.Request((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = c }))]));

// Until no backend runs and at most `idle` launchers (the pool's) are left.
static async Task<bool> WaitGone(string launcher, string standin, int idle, TimeSpan patience)
{
    var deadline = DateTime.UtcNow + patience;
    while (ProcFs.Running(launcher).Count > idle || ProcFs.Running(standin).Count > 0)
    {
        if (DateTime.UtcNow > deadline)
        {
            return false;
        }

        await Task.Delay(100);
    }

    return true;
}

// With STORM_GCDUMP=<dotnet-gcdump path>: the live managed heap (after a full GC) at the two
// points the RSS is read, to tell what sessions keep from what the GC has not given back.
async Task GcDumpAsync(string when)
{
    if (Environment.GetEnvironmentVariable("STORM_GCDUMP") is not { Length: > 0 } tool)
    {
        return;
    }

    var info = new ProcessStartInfo(tool, ["report", "-p", daemon.Pid.ToString(inv)]) { RedirectStandardOutput = true };
    using var report = Process.Start(info)!;
    string output = await report.StandardOutput.ReadToEndAsync();
    await report.WaitForExitAsync();
    Console.WriteLine($"gcdump {when}:");
    Console.WriteLine(string.Join('\n', output.Split('\n').Take(25)));
}

