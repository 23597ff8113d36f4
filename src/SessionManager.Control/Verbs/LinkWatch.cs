using SessionManager.Icp.Link;

namespace SessionManager.Control.Verbs;

/// <summary>When the RDS link last came up or went down (RdsLink keeps no times): for smctl status.</summary>
internal sealed class LinkWatch : IDisposable
{
    private readonly IDisposable _subscription;
    private readonly TimeProvider _time;
    private DateTimeOffset? _since;

    public LinkWatch(RdsLink link, TimeProvider time)
    {
        _time = time;
        StartedAt = time.GetUtcNow();
        _subscription = link.Subscribe(Changed);
    }

    /// <summary>When the daemon's services were built: its start, for uptime.</summary>
    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset? Since => _since;

    private ValueTask Changed(RdsLinkEvent e)
    {
        _since = _time.GetUtcNow();
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _subscription.Dispose();
}
