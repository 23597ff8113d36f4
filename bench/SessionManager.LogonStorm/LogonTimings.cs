namespace SessionManager.LogonStorm;

/// <summary>
/// One logon's time as the daemon logged it (Debug events): the wait for an Auth:MaxConcurrent
/// slot and PAM itself (3014), the wait for a launcher (3018: none when the pool had an idle one;
/// else its spawn and start, 3001), the backend start (PAM session open, fork, exec, in the
/// launcher) and the wait for its endpoint (3503). Joined by launcher pid, user and session id.
/// </summary>
internal sealed record LogonTimings(double SlotWaitMs, double PamMs, double BackendStartMs, double EndpointWaitMs, double LauncherWaitMs, bool FromPool)
{
    /// <summary>When (the daemon's clock, @t of its events) PAM began and answered, the backend
    /// start began and the endpoint was ready: the gaps between them are the daemon's own time.</summary>
    public DateTimeOffset PamBegan { get; init; }

    /// <summary>When the daemon's logon code began (3504): the ICP read and dispatch are before it.</summary>
    public DateTimeOffset? LogonStarted { get; init; }

    public DateTimeOffset PamAnswered { get; init; }

    public DateTimeOffset BackendStarting { get; init; }

    public DateTimeOffset EndpointReady { get; init; }

    /// <summary>Issue 7's "answer time minus PAM and backend start": what is not the daemon's own.
    /// The slot wait is PAM's queue (Auth:MaxConcurrent conversations at once), counted with PAM;
    /// waiting for a launcher is the daemon's own.</summary>
    public double ExternalMs => SlotWaitMs + PamMs + BackendStartMs + EndpointWaitMs;

    public static Dictionary<string, LogonTimings> Collect(DaemonRun daemon)
    {
        var assigned = new Dictionary<int, (double WaitMs, bool FromPool)>();
        foreach (var e in daemon.Events(3018))
        {
            assigned[e.GetProperty("LauncherPid").GetInt32()] = (e.GetProperty(nameof(LauncherWaitMs)).GetDouble(), e.GetProperty(nameof(FromPool)).GetBoolean());
        }

        var backend = daemon.Events(3503).ToDictionary(e => e.GetProperty("SessionId").GetInt32(), e => (e.GetProperty(nameof(BackendStartMs)).GetDouble(), e.GetProperty(nameof(EndpointWaitMs)).GetDouble(), At(e)));
        var sessionOf = new Dictionary<string, int>();
        foreach (var e in daemon.Events(3201))
        {
            sessionOf[e.GetProperty("User").GetString()!] = e.GetProperty("SessionId").GetInt32();
        }

        var started = new Dictionary<string, DateTimeOffset>();
        foreach (var e in daemon.Events(3504))
        {
            started[e.GetProperty("User").GetString()!] = At(e);
        }

        var result = new Dictionary<string, LogonTimings>();
        foreach (var e in daemon.Events(3014))
        {
            string user = e.GetProperty("UserName").GetString()!;
            int launcher = e.GetProperty("LauncherPid").GetInt32();
            if (!sessionOf.TryGetValue(user, out int sid) || !backend.TryGetValue(sid, out var b) || !assigned.TryGetValue(launcher, out var a))
            {
                continue;
            }

            double pamMs = e.GetProperty(nameof(PamMs)).GetDouble();
            result[user] = new LogonTimings(e.GetProperty(nameof(SlotWaitMs)).GetDouble(), pamMs, b.Item1, b.Item2, a.WaitMs, a.FromPool)
            {
                PamBegan = At(e).AddMilliseconds(-pamMs),
                LogonStarted = started.TryGetValue(user, out var began) ? began : null,
                PamAnswered = At(e),
                BackendStarting = b.Item3.AddMilliseconds(-b.Item1 - b.Item2),
                EndpointReady = b.Item3,
            };
        }

        return result;
    }

    private static DateTimeOffset At(System.Text.Json.JsonElement e) => e.GetProperty("@t").GetDateTimeOffset();
}
