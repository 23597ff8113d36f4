namespace SessionManager.FdsApi.Handler;

/// <summary>
/// Which ICP connection serves a session, and the reverse: the one place that decides it.
/// Asynchronous, because the session registry (which replaces <see cref="IdentitySessionRouting"/>)
/// owns that state and may have to be asked.
/// </summary>
public interface ISessionRouting
{
    /// <summary>The connection of <paramref name="sessionId"/>, or why there is none.</summary>
    ValueTask<SessionRoute> RouteAsync(int sessionId, CancellationToken cancellationToken);

    /// <summary>The session attached to <paramref name="connectionId"/>, or null.</summary>
    ValueTask<int?> SessionOfConnectionAsync(uint connectionId, CancellationToken cancellationToken);
}

/// <summary>Where a session's calls go: its ICP connection, or no route and why (for the log).</summary>
public readonly record struct SessionRoute(bool Found, uint ConnectionId, string? NoRouteReason)
{
    public static SessionRoute To(uint connectionId) => new(true, connectionId, null);

    public static SessionRoute None(string reason) => new(false, 0, reason);
}

/// <summary>
/// FreeRDS-era routing: the fdsapi sessionId is sent as the ICP connectionId. The 32 bits are
/// reinterpreted, so WTS_CURRENT_SESSION (-1 as i32) arrives as 0xFFFFFFFF.
/// </summary>
public sealed class IdentitySessionRouting : ISessionRouting
{
    public ValueTask<SessionRoute> RouteAsync(int sessionId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SessionRoute.To(unchecked((uint)sessionId)));

    public ValueTask<int?> SessionOfConnectionAsync(uint connectionId, CancellationToken cancellationToken) =>
        ValueTask.FromResult<int?>(unchecked((int)connectionId));
}
