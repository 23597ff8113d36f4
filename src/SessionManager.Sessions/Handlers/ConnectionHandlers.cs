using Microsoft.Extensions.Options;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Protocol;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Handlers;

/// <summary>
/// DisconnectUserSession (4), LogoffUserSession (5) from a FreeRDS-era RDS, RemoteControlEnded
/// (15) and IsChannelAllowed (1): what the RDS tells about its client connections.
/// </summary>
public sealed class ConnectionHandlers(SessionService sessions, IOptionsMonitor<ChannelLists> channels) :
    IIcpRequestHandler<DisconnectUserSessionRequest, DisconnectUserSessionResponse>,
    IIcpRequestHandler<LogoffUserSessionRequest, LogoffUserSessionResponse>,
    IIcpRequestHandler<RemoteControlEndedRequest, RemoteControlEndedResponse>,
    IIcpRequestHandler<IsChannelAllowedRequest, IsChannelAllowedResponse>
{
    public async ValueTask<IcpAnswer<DisconnectUserSessionResponse>> HandleAsync(DisconnectUserSessionRequest request, IcpRequestContext context) =>
        new DisconnectUserSessionResponse { Disconnected = await sessions.ConnectionClosedAsync(request.ConnectionId) };

    public async ValueTask<IcpAnswer<LogoffUserSessionResponse>> HandleAsync(LogoffUserSessionRequest request, IcpRequestContext context)
    {
        if (sessions.Registry.ForConnection(request.ConnectionId) is not { } session)
        {
            return new LogoffUserSessionResponse { Loggedoff = false };
        }

        await sessions.EndAsync(session.Id, "logged off by the RDS server", logoffConnection: false);
        return new LogoffUserSessionResponse { Loggedoff = true };
    }

    public ValueTask<IcpAnswer<RemoteControlEndedResponse>> HandleAsync(RemoteControlEndedRequest request, IcpRequestContext context)
    {
        bool ended = sessions.Registry.ForConnection(request.SpyId) is { } spy && sessions.ShadowingEnded(spy.Id);
        return ValueTask.FromResult<IcpAnswer<RemoteControlEndedResponse>>(new RemoteControlEndedResponse { Success = ended });
    }

    /// <summary>Denied wins; with an Allowed list, only its channels; without one, all.</summary>
    public ValueTask<IcpAnswer<IsChannelAllowedResponse>> HandleAsync(IsChannelAllowedRequest request, IcpRequestContext context)
    {
        bool allowed = channels.CurrentValue.Allows(request.ChannelName);
        return ValueTask.FromResult<IcpAnswer<IsChannelAllowedResponse>>(new IsChannelAllowedResponse { ChannelAllowed = allowed });
    }
}
