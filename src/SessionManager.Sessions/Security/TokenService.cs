using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi.Handler;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Security;

/// <summary>
/// logonConnection, getPermissionForToken, logoffConnection: PAM through a launcher (outside
/// the daemon, as a logon), a logon token issued on success.
/// </summary>
public sealed partial class TokenService(ISessionLauncher launcher, LogonTokens tokens, IOptionsMonitor<PermissionBook> permissions, SessionRegistry registry, AuthThrottle throttle, ILogger<TokenService> logger) : ITokenService
{
    public async Task<string?> LogonAsync(string user, string password, string clientAddress, CancellationToken cancellationToken)
    {
        if (user.Length == 0 || !throttle.MayTry(user, clientAddress, "logonConnection", out _))
        {
            return null;
        }

        try
        {
            await using var attempt = await launcher.AuthenticateAsync(user, password, clientAddress, cancellationToken);
            await attempt.DiscardAsync();
            var account = attempt.Account;
            LogTokenIssued(logger, account.UserName, clientAddress);
            return tokens.Issue(account.UserName, account.Groups);
        }
        catch (AuthenticationFailedException ex)
        {
            throttle.Failed(user, clientAddress, "logonConnection", ex.Message);
            return null;
        }
        catch (LauncherUnavailableException ex)
        {
            LogTokenRefused(logger, user, clientAddress, ex.Message);
            return null;
        }
    }

    public int PermissionsOf(string? token)
    {
        if (registry.FindByToken(token) is { } session)
        {
            return session.IsGreeter ? 0 : permissions.CurrentValue.LevelOf(session.User ?? "", session.Groups);
        }

        return tokens.Find(token) is { } holder ? permissions.CurrentValue.LevelOf(holder.User, holder.Groups) : 0;
    }

    public bool Revoke(string? token) => tokens.Revoke(token);

    [LoggerMessage(3700, LogLevel.Information, "logonConnection: token issued to {User} from {ClientAddress}")]
    private static partial void LogTokenIssued(ILogger logger, string user, string clientAddress);

    [LoggerMessage(3701, LogLevel.Warning, "logonConnection refused for {User} from {ClientAddress}: {Reason}")]
    private static partial void LogTokenRefused(ILogger logger, string user, string clientAddress, string reason);
}
