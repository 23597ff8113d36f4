namespace SessionManager.Sessions.Policies;

/// <summary>
/// The session policy that applies to one user: global <c>Sessions:*</c>, overridden per group
/// (<c>Policies:Groups:&lt;group&gt;:Sessions:*</c>) and per user (<c>Policies:Users:&lt;user&gt;:Sessions:*</c>).
/// </summary>
public sealed record SessionPolicy
{
    /// <summary>A user's existing session may be reused (reconnect) instead of a new one started.</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>At most one session per user: a second logon takes the first over (or ends it).</summary>
    public bool SingleSession { get; init; } = true;

    /// <summary>Reconnect only to a session last used from the same client host name.</summary>
    public bool ReconnectFromSameClient { get; init; }

    /// <summary>How long a disconnected session is kept; zero ends it at disconnect; infinite keeps it.</summary>
    public TimeSpan DisconnectedTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Sessions on this host (0 = no limit).</summary>
    public int MaxSessions { get; init; }

    /// <summary>Sessions of one user (0 = no limit).</summary>
    public int MaxSessionsPerUser { get; init; }

    /// <summary>Largest display granted (0 = no limit), sent as maxWidth/maxHeight.</summary>
    public int MaxWidth { get; init; } = 1920;

    public int MaxHeight { get; init; } = 1200;

    /// <summary>The backend (a <c>Backends:&lt;name&gt;</c> section) of user sessions.</summary>
    public string Backend { get; init; } = "desktop";

    /// <summary>The backend shown when credentials are missing or wrong; empty: no greeter (the logon fails).</summary>
    public string Greeter { get; init; } = "greeter";
}
