using System.Globalization;

namespace SessionManager.Sessions.Logon;

/// <summary>
/// One logon's Sessions:LogonBudget: the token that cancels its waits when the budget runs out,
/// and the step the logon is at, so that the reason says what ran out and while doing what
/// (an exception's "A task was canceled." says neither).
/// </summary>
internal sealed class LogonBudget : IDisposable
{
    private readonly CancellationTokenSource _source;
    private volatile string _step = "starting";

    public LogonBudget(TimeSpan length, TimeProvider time)
    {
        Length = length;
        _source = new CancellationTokenSource(length, time);
        Token = _source.Token;
    }

    public TimeSpan Length { get; }

    public CancellationToken Token { get; }

    public bool RanOut => Token.IsCancellationRequested;

    /// <summary>"Sessions:LogonBudget (4 s) ran out while waiting for backend 'desktop' to …".</summary>
    public string Reason => $"Sessions:LogonBudget ({Seconds(Length)} s) ran out while {_step}";

    /// <summary>What the logon does from now on, as it reads after "ran out while".</summary>
    public void Step(string step) => _step = step;

    /// <summary>How the logon went, for the metrics (SessionMetrics.Outcomes); null: not decided (an error).</summary>
    public volatile string? Outcome;

    /// <summary>Time spent in PAM and starting the backend (until its endpoint), for the metrics.</summary>
    public TimeSpan Pam;

    public TimeSpan Backend;

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    public void Dispose() => _source.Dispose();
}
