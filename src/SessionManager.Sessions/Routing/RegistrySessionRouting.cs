using SessionManager.FdsApi.Handler;
using SessionManager.Icp.Link;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Routing;

/// <summary>
/// fdsapi sessionIds name sessions of the registry; their calls go to the session's current
/// connection, only while that connection's link is the current one (bridged calls go over the
/// current link, where a gone link's ids may be other clients').
/// </summary>
public sealed class RegistrySessionRouting(SessionRegistry registry, RdsLink link) : ISessionRouting
{
    public ValueTask<SessionRoute> RouteAsync(int sessionId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(registry.FindWithLink(sessionId) switch
        {
            null => SessionRoute.None($"no session {sessionId}"),
            ({ ConnectionId: { } connectionId }, { } generation) when link.Current?.Generation == generation => SessionRoute.To(connectionId),
            ({ ConnectionId: not null }, var generation) => SessionRoute.None($"session {sessionId} is on a connection of RDS link generation {generation}, which is gone"),
            var (s, _) => SessionRoute.None($"session {sessionId} is {s.State.ToString().ToLowerInvariant()}, without an RDP connection"),
        });

    public ValueTask<int?> SessionOfConnectionAsync(uint connectionId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(registry.ForConnection(connectionId)?.Id);
}
