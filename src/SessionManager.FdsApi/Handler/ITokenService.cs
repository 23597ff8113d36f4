namespace SessionManager.FdsApi.Handler;

/// <summary>The token methods of fdsapi (logonConnection, getPermissionForToken, logoffConnection).</summary>
public interface ITokenService
{
    /// <summary>Authenticates (PAM, outside the daemon) and issues a logon token; null when refused.</summary>
    Task<string?> LogonAsync(string user, string password, string clientAddress, CancellationToken cancellationToken);

    /// <summary>The token's permission flags; 0 if the token is unknown or expired.</summary>
    int PermissionsOf(string? token);

    /// <summary>Revokes a logon token; false if it was not one.</summary>
    bool Revoke(string? token);
}
