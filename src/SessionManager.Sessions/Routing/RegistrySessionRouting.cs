using SessionManager.FdsApi.Handler;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Routing;

/// <summary>fdsapi sessionIds name sessions of the registry; their calls go to the session's current connection.</summary>
public sealed class RegistrySessionRouting(SessionRegistry registry) : ISessionRouting
{
    public ValueTask<SessionRoute> RouteAsync(int sessionId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(registry.Find(sessionId) switch
        {
            null => SessionRoute.None($"no session {sessionId}"),
            { ConnectionId: { } connectionId } => SessionRoute.To(connectionId),
            var s => SessionRoute.None($"session {sessionId} is {s.State.ToString().ToLowerInvariant()}, without an RDP connection"),
        });

    public ValueTask<int?> SessionOfConnectionAsync(uint connectionId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(registry.ForConnection(connectionId)?.Id);
}
