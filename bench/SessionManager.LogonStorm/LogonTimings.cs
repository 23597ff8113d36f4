namespace SessionManager.LogonStorm;

/// <summary>
/// One logon's time as the daemon logged it (Debug events): the launcher's start (3001), the
/// wait for an Auth:MaxConcurrent slot and PAM itself (3014), the backend start (PAM session
/// open, fork, exec, in the launcher) and the wait for its endpoint (3503). Joined by launcher
/// pid, user and session id.
/// </summary>
internal sealed record LogonTimings(double LauncherStartMs, double SlotWaitMs, double PamMs, double BackendStartMs, double EndpointWaitMs, double SpawnWaitMs = 0)
{
    /// <summary>When (the daemon's clock, @t of its events) the launcher was spawned, PAM
    /// answered, the backend start began and the endpoint was ready: the gaps between them are
    /// the daemon's own time.</summary>
    public DateTimeOffset Spawned { get; init; }

    public DateTimeOffset PamAnswered { get; init; }

    public DateTimeOffset BackendStarting { get; init; }

    public DateTimeOffset EndpointReady { get; init; }

    /// <summary>The parts outside the daemon's own code: external processes and PAM.</summary>
    public double ExternalMs => SpawnWaitMs + LauncherStartMs + SlotWaitMs + PamMs + BackendStartMs + EndpointWaitMs;

    public static Dictionary<string, LogonTimings> Collect(DaemonRun daemon)
    {
        var launcherStart = daemon.Events(3001).ToDictionary(e => e.GetProperty("LauncherPid").GetInt32(),
            e => (e.GetProperty("StartMs").GetDouble(), At(e), e.TryGetProperty(nameof(SpawnWaitMs), out var w) ? w.GetDouble() : 0));
        var backend = daemon.Events(3503).ToDictionary(e => e.GetProperty("SessionId").GetInt32(), e => (e.GetProperty(nameof(BackendStartMs)).GetDouble(), e.GetProperty(nameof(EndpointWaitMs)).GetDouble(), At(e)));
        var sessionOf = new Dictionary<string, int>();
        foreach (var e in daemon.Events(3201))
        {
            sessionOf[e.GetProperty("User").GetString()!] = e.GetProperty("SessionId").GetInt32();
        }

        var result = new Dictionary<string, LogonTimings>();
        foreach (var e in daemon.Events(3014))
        {
            string user = e.GetProperty("UserName").GetString()!;
            int launcher = e.GetProperty("LauncherPid").GetInt32();
            if (!sessionOf.TryGetValue(user, out int sid) || !backend.TryGetValue(sid, out var b) || !launcherStart.TryGetValue(launcher, out var start))
            {
                continue;
            }

            result[user] = new LogonTimings(start.Item1, e.GetProperty(nameof(SlotWaitMs)).GetDouble(), e.GetProperty(nameof(PamMs)).GetDouble(), b.Item1, b.Item2, start.Item3)
            {
                Spawned = start.Item2.AddMilliseconds(-start.Item1),
                PamAnswered = At(e),
                BackendStarting = b.Item3.AddMilliseconds(-b.Item1 - b.Item2),
                EndpointReady = b.Item3,
            };
        }

        return result;
    }

    private static DateTimeOffset At(System.Text.Json.JsonElement e) => e.GetProperty("@t").GetDateTimeOffset();
}
