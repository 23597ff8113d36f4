namespace SessionManager.Sessions.Launcher;

/// <summary>Configuration section <c>Auth</c>: PAM authentication of logons (run in sm-launcher).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>PAM service name: <c>/etc/pam.d/&lt;PamService&gt;</c> (deploy/pam.d/sessionmanager ships it).</summary>
    public string PamService { get; set; } = "sessionmanager";

    /// <summary>How long PAM may take for one authentication; a launcher still busy then is killed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Authentications in progress at once; more wait (within their caller's deadline).</summary>
    public int MaxConcurrent { get; set; } = 16;
}
