using SessionManager.Icp.Handlers;
using SessionManager.Icp.Protocol;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Handlers;

/// <summary>
/// LogonUser (7), and ReconnectUser (19) taken as a LogonUser without credentials: the daemon
/// issues no auto-reconnect cookies yet, so such a client gets the greeter, never someone's
/// session. FAILED only when no session can be given (SESSIONS.md §2.2).
/// </summary>
public sealed class LogonHandlers(SessionService sessions) :
    IIcpRequestHandler<LogonUserRequest, LogonUserResponse>,
    IIcpRequestHandler<ReconnectUserRequest, LogonUserResponse>
{
    public ValueTask<IcpAnswer<LogonUserResponse>> HandleAsync(LogonUserRequest request, IcpRequestContext context)
    {
        var client = Client(request.ClientHostName, request.ClientAddress, request.Width, request.Height, request.ColorDepth,
            request.ClientBuildNumber, request.ClientProductId, request.ClientHardwareId, request.ClientProtocolType);
        // The password goes to PAM untouched (one it cannot take is a failed authentication).
        return LogonAsync(new LogonRequest(request.ConnectionId, context.LinkGeneration, context.Peer, PeerText.Clean(request.Username), request.Password, client));
    }

    public ValueTask<IcpAnswer<LogonUserResponse>> HandleAsync(ReconnectUserRequest request, IcpRequestContext context)
    {
        var client = Client(request.ClientHostName, request.ClientAddress, request.Width, request.Height, request.ColorDepth,
            request.ClientBuildNumber, request.ClientProductId, request.ClientHardwareId, request.ClientProtocolType);
        return LogonAsync(new LogonRequest(request.ConnectionId, context.LinkGeneration, context.Peer, "", "", client));
    }

    /// <summary>The client as the RDS describes it; its texts end up in a backend's environment.</summary>
    private static ClientInfo Client(string hostName, string address, uint width, uint height, uint colorDepth, uint buildNumber, uint productId, uint hardwareId, uint protocolType) =>
        new(PeerText.Clean(hostName), PeerText.Clean(address), (int)width, (int)height, (int)colorDepth, buildNumber, productId, hardwareId, protocolType);

    private async ValueTask<IcpAnswer<LogonUserResponse>> LogonAsync(LogonRequest request)
    {
        try
        {
            var grant = await sessions.LogonAsync(request);
            return new LogonUserResponse
            {
                ServiceEndpoint = grant.ServiceEndpoint,
                MaxWidth = (uint)grant.Session.MaxWidth,
                MaxHeight = (uint)grant.Session.MaxHeight,
                BackendCookie = grant.Session.BackendCookie,
                OgonCookie = grant.Session.OgonCookie,
            };
        }
        catch (LogonFailedException ex)
        {
            return IcpAnswer.Failed<LogonUserResponse>(ex.Message);
        }
    }
}
