using Microsoft.Extensions.Options;
using SessionManager.FdsApi.Handler;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Security;

/// <summary>
/// Who may do what (FDSAPI.md "Permission flags"), as ogon's getSessionAndCheckForPerm: a
/// session token may do anything to its own session; a logon token anything to sessions of its
/// user; on any other session the token's user needs the method's flag at their permission level
/// (PermissionBook). Remote control must be asked from the caller's own session as source. A
/// missing, unknown, expired or insufficient token is denied with a reason for the log, which
/// never contains the token.
/// </summary>
public sealed class TokenCallGate(SessionRegistry registry, LogonTokens logonTokens, IOptionsMonitor<PermissionBook> permissions) : IFdsApiCallGate
{
    /// <summary>WTS_CURRENT_SESSION as the Thrift i32 carries it.</summary>
    public const int CurrentSession = -1;

    public ValueTask<FdsApiAdmission> AdmitAsync(FdsApiCall fdsApiCall, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Admit(fdsApiCall));

    public bool MaySee(string? authToken, int sessionId) =>
        Caller.Of(authToken, registry, logonTokens) is { } caller && Allowed(caller, sessionId, PermissionFlags.QueryInformation);

    internal FdsApiAdmission Admit(FdsApiCall call)
    {
        if (PermissionFlags.NeedsNoToken(call.Method))
        {
            return FdsApiAdmission.Allow;
        }

        if (Caller.Of(call.AuthToken, registry, logonTokens) is not { } caller)
        {
            return FdsApiAdmission.Deny(string.IsNullOrEmpty(call.AuthToken) ? "no token" : "unknown or expired token");
        }

        int flag = PermissionFlags.NeededBy(call.Method);
        if (call.SessionId is not { } target)
        {
            // Methods without a session (enumerate): the token is enough; what it may see is filtered.
            return call.Method == "enumerateSessions" ? FdsApiAdmission.Allow : FdsApiAdmission.Deny("no session named");
        }

        bool current = target == CurrentSession;
        if (current)
        {
            if (caller.SessionId is not { } own)
            {
                return FdsApiAdmission.Deny("WTS_CURRENT_SESSION with a token that names no session");
            }

            target = own;
        }

        if (call.Method is "startRemoteControlSession" or "stopRemoteControlSession" && caller.SessionId is { } from && from != target)
        {
            return FdsApiAdmission.Deny($"remote control must be started from the caller's own session {from}");
        }

        if (!Allowed(caller, target, flag))
        {
            return FdsApiAdmission.Deny($"{caller.Describe()} lacks permission 0x{flag:X4} on session {target}");
        }

        if (call.TargetSessionId is { } second && !Allowed(caller, second, flag))
        {
            return FdsApiAdmission.Deny($"{caller.Describe()} lacks permission 0x{flag:X4} on session {second}");
        }

        return current ? FdsApiAdmission.AllowAs(target) : FdsApiAdmission.Allow;
    }

    private bool Allowed(Caller caller, int sessionId, int flag)
    {
        if (caller.SessionId == sessionId)
        {
            return true;
        }

        var target = registry.Find(sessionId);
        if (caller.SessionId is null && target is not null && !target.IsGreeter && target.User == caller.User)
        {
            return true; // a logon token: the sessions of its own user
        }

        return (permissions.CurrentValue.LevelOf(caller.User, caller.Groups) & flag) == flag;
    }

    /// <summary>Who a token speaks for: a session (session token) or a user (logon token).</summary>
    private sealed record Caller(string User, IReadOnlyList<string> Groups, int? SessionId)
    {
        public static Caller? Of(string? token, SessionRegistry registry, LogonTokens logonTokens)
        {
            if (registry.FindByToken(token) is { } session)
            {
                return new Caller(session.IsGreeter ? "" : session.User ?? "", session.Groups, session.Id);
            }

            return logonTokens.Find(token) is { } holder ? new Caller(holder.User, holder.Groups, null) : null;
        }

        public string Describe() => SessionId is { } s ? $"the session token of session {s}" : $"a logon token of {User}";
    }
}
