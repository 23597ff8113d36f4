namespace SessionManager.Sessions.Registry;

/// <summary>A session's state, as SESSIONS.md §10 (ogon's transitions).</summary>
public enum SessionState
{
    /// <summary>Created; its backend is starting.</summary>
    Init,

    /// <summary>A greeter shown on a connection, waiting for its user to log on.</summary>
    Connected,

    /// <summary>A user's session attached to a connection.</summary>
    Active,

    /// <summary>A user's session without a connection, kept for a reconnect until its timeout.</summary>
    Disconnected,

    /// <summary>Active, and watching another session (remote control).</summary>
    Shadow,

    /// <summary>Ended: backend stopped, PAM session closed, token file removed.</summary>
    Down,
}

public static class SessionStateExtensions
{
    /// <summary>WTS_CONNECTSTATE_CLASS (FDSAPI.md): Active 0, Connected 1, Shadow 3, Disconnected 4, Down 8, Init 9.</summary>
    public static int ToWtsConnectState(this SessionState state) => state switch
    {
        SessionState.Active => 0,
        SessionState.Connected => 1,
        SessionState.Shadow => 3,
        SessionState.Disconnected => 4,
        SessionState.Down => 8,
        _ => 9,
    };
}
