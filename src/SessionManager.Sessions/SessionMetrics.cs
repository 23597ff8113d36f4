using System.Diagnostics.Metrics;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions;

/// <summary>
/// The sessions' instruments (meter <c>SessionManager.Sessions</c>): sessions by state, logons
/// by outcome and their duration in parts, the launcher pool and the password-guessing throttle.
/// No user name, client name or address is ever a label.
/// </summary>
public sealed class SessionMetrics
{
    public const string MeterName = "SessionManager.Sessions";

    private static readonly SessionState[] States = Enum.GetValues<SessionState>();
    private static readonly string[] StateNames = [.. States.Select(s => s.ToString().ToLowerInvariant())];

    private readonly Counter<long> _logons;
    private readonly Histogram<double> _logonDuration;

    public SessionMetrics(IMeterFactory meters, SessionRegistry registry, SessionLauncher launcher, Security.AuthThrottle throttle)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("sessions", () => SessionsByState(registry),
            description: "sessions by state (init, connected, active, disconnected, shadow, down)");
        _logons = meter.CreateCounter<long>("logons",
            description: "LogonUser answers by outcome: success, bad_password (PAM said no), throttled (Auth:MaxFailures), no_credentials (greeter shown), denied (a session limit), error");
        _logonDuration = meter.CreateHistogram<double>("logon.duration", unit: "s",
            description: "LogonUser from request to answer, by part: total, pam (authentication), backend (start until its endpoint), own (the rest)");
        meter.CreateObservableGauge("launchers.idle", () => launcher.IdleLaunchers,
            description: "launchers started ahead of need and waiting for a logon (Launcher:PoolSize)");
        meter.CreateObservableGauge("throttle.entries", () => throttle.TrackedKeys,
            description: "users and client addresses whose failed authentications are being counted (Auth:MaxFailureEntries)");
    }

    public void Logon(string outcome) => _logons.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>One answered LogonUser; the parts not spent in PAM or starting the backend are the daemon's own.</summary>
    public void LogonTimed(TimeSpan total, TimeSpan pam, TimeSpan backend)
    {
        if (!_logonDuration.Enabled)
        {
            return;
        }

        var own = total - pam - backend;
        Part(total, "total");
        Part(pam, "pam");
        Part(backend, "backend");
        Part(own < TimeSpan.Zero ? TimeSpan.Zero : own, "own");
    }

    private void Part(TimeSpan span, string part) => _logonDuration.Record(span.TotalSeconds, new KeyValuePair<string, object?>("part", part));

    private static IEnumerable<Measurement<int>> SessionsByState(SessionRegistry registry)
    {
        // Every state is reported, 0 included, so that a state's series does not vanish.
        var counts = new int[States.Length];
        foreach (var session in registry.All())
        {
            counts[(int)session.State]++;
        }

        for (int i = 0; i < States.Length; i++)
        {
            yield return new Measurement<int>(counts[(int)States[i]], new KeyValuePair<string, object?>("state", StateNames[i]));
        }
    }

    public static class Outcomes
    {
        public const string Success = "success";
        public const string BadPassword = "bad_password";
        public const string Throttled = "throttled";
        public const string NoCredentials = "no_credentials";
        public const string Denied = "denied";
        public const string Error = "error";
    }
}
