namespace SessionManager.Control.Protocol;

/// <summary>
/// The control socket's conversation: the client connects, writes one request as a JSON line,
/// reads one response as a JSON line, and the daemon closes the connection. Both carry
/// <see cref="Version"/>; a daemon answers a request of another version
/// <see cref="ControlOutcome.UnsupportedVersion"/>, so an smctl and a daemon of different
/// releases fail with a clear message rather than a parse error.
/// </summary>
public static class ControlProtocol
{
    public const int Version = 1;

    /// <summary>The largest request line (a send-message text included); a longer one is refused unread.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    /// <summary>The largest response smctl reads (thousands of sessions fit).</summary>
    public const int MaxResponseBytes = 64 * 1024 * 1024;

    public const string DefaultSocketPath = "/run/sessionmanager-control/control.sock";

    /// <summary>Signals <c>kill</c> may send to a session's processes; others are refused.</summary>
    public static IReadOnlyList<string> AllowedSignals { get; } = ["TERM", "KILL", "HUP", "INT", "USR1", "USR2", "CONT", "STOP"];
}

public enum ControlVerb
{
    Status,
    ListSessions,
    ShowSession,
    ListUsers,
    Disconnect,
    Logoff,
    SendMessage,
    Kill,
    Drain,
    Undrain,
    Reload,
}

/// <summary>How a request ended; smctl turns each into its own exit code.</summary>
public enum ControlOutcome
{
    Ok,
    Failed,
    BadRequest,
    PermissionDenied,
    NoSuchSession,
    Busy,
    UnsupportedVersion,
}
