namespace SessionManager.Sessions.Security;

/// <summary>Configuration section <c>Tokens</c>: logon tokens issued by logonConnection.</summary>
public sealed class TokenOptions
{
    public const string SectionName = "Tokens";

    /// <summary>How long a logon token is valid (logoffConnection revokes it earlier).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(8);
}
