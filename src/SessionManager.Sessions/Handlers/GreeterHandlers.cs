using SessionManager.Icp.Handlers;
using SessionManager.Icp.Protocol;
using SessionManager.Sessions.Logon;

namespace SessionManager.Sessions.Handlers;

/// <summary>SBP 202, 200, 201: the greeter talking to us through the RDS (SESSIONS.md §8).</summary>
public sealed class GreeterHandlers(SessionService sessions) :
    IIcpRequestHandler<VersionInfoRequest, VersionInfoResponse>,
    IIcpRequestHandler<AuthenticateUserRequest, AuthenticateUserResponse>,
    IIcpRequestHandler<EndSessionRequest, EndSessionResponse>
{
    public ValueTask<IcpAnswer<VersionInfoResponse>> HandleAsync(VersionInfoRequest request, IcpRequestContext context)
    {
        sessions.GreeterVersion((int)request.SessionId, request.Vmajor);
        return ValueTask.FromResult<IcpAnswer<VersionInfoResponse>>(new VersionInfoResponse { Vmajor = 1, Vminor = 1 });
    }

    public async ValueTask<IcpAnswer<AuthenticateUserResponse>> HandleAsync(AuthenticateUserRequest request, IcpRequestContext context)
    {
        try
        {
            var status = await sessions.GreeterLogonAsync((int)request.SessionId, request.Username, request.Password, context.Peer);
            return new AuthenticateUserResponse { AuthStatus = status };
        }
        catch (LogonFailedException ex)
        {
            return IcpAnswer.Failed<AuthenticateUserResponse>(ex.Message);
        }
    }

    public async ValueTask<IcpAnswer<EndSessionResponse>> HandleAsync(EndSessionRequest request, IcpRequestContext context) =>
        new EndSessionResponse { Success = await sessions.GreeterCancelledAsync((int)request.SessionId) };
}
