namespace SessionManager.Icp.Connection;

/// <summary>
/// Who an SM→RDS call was made for: the session it acts on and, when the fdsapi checks tokens,
/// the token it was made with. The pending-call table bounds the calls in flight of each
/// (<see cref="IcpOptions.MaxPendingCallsPerSession"/>, <see cref="IcpOptions.MaxPendingCallsPerToken"/>),
/// so that no user can fill the table for everyone. The daemon's own calls (logoff, SwitchTo,
/// the heartbeat) have no caller: a user's calls must never stop the daemon ending their session.
/// </summary>
/// <param name="SessionId">the fdsapi session the call acts on (after WTS_CURRENT_SESSION is resolved).</param>
/// <param name="Token">the token, only as a key; null when tokens are not checked (every FreeRDS-era
/// client sends the same fixed token, so it names nobody).</param>
public readonly record struct IcpCaller(int SessionId, string? Token)
{
    /// <summary>Never the token: whatever prints a caller (or options holding one) may reach a log.</summary>
    public override string ToString() => $"session {SessionId}";
}
