using Microsoft.Extensions.Options;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Security;

/// <summary>A logon token's holder: the user logonConnection authenticated, and until when.</summary>
public sealed record LogonTokenHolder(string User, IReadOnlyList<string> Groups, DateTimeOffset Expires);

/// <summary>
/// Logon tokens (logonConnection), in memory only: never valid after a daemon restart. CSPRNG, 43
/// characters of 62 (256 bits); valid for Tokens:Lifetime; logoffConnection revokes one.
/// </summary>
public sealed class LogonTokens(IOptionsMonitor<TokenOptions> options, TimeProvider time)
{
    private readonly SecretIndex<LogonTokenHolder> _tokens = new();

    public string Issue(string user, IReadOnlyList<string> groups)
    {
        string token = SessionRegistry.NewSecret(43);
        _tokens.Add(token, new LogonTokenHolder(user, groups, time.GetUtcNow() + options.CurrentValue.Lifetime));
        _tokens.RemoveWhere(h => h.Expires <= time.GetUtcNow());
        return token;
    }

    /// <summary>The holder of a valid, unexpired token.</summary>
    public LogonTokenHolder? Find(string? token) =>
        _tokens.TryGet(token, out var holder) && holder.Expires > time.GetUtcNow() ? holder : null;

    public bool Revoke(string? token) => _tokens.Remove(token);
}
