using Microsoft.Extensions.Configuration;
using SessionManager.FdsApi.Handler;

namespace SessionManager.Sessions.Security;

/// <summary>
/// Permission levels per user: <c>Permissions:Level</c>, overridden as the session policies are
/// (<c>Policies:Groups:&lt;group&gt;:Permissions:Level</c>, <c>Policies:Users:&lt;user&gt;:Permissions:Level</c>;
/// user &gt; group &gt; global; between groups, the name that sorts first). FULL, USER, GUEST (the
/// default, as ogon) or flags as a number.
/// </summary>
public sealed class PermissionBook(IConfiguration configuration)
{
    private const string Key = "Permissions:Level";

    public int LevelOf(string user, IReadOnlyList<string> groups)
    {
        if (PermissionFlags.Parse(configuration[$"Policies:Users:{user}:{Key}"]) is { } own)
        {
            return own;
        }

        foreach (var group in groups.Order(StringComparer.Ordinal))
        {
            if (PermissionFlags.Parse(configuration[$"Policies:Groups:{group}:{Key}"]) is { } level)
            {
                return level;
            }
        }

        return PermissionFlags.Parse(configuration[Key]) ?? PermissionFlags.Guest;
    }

    /// <summary>Every level key that does not parse, one line each.</summary>
    public IEnumerable<string> Problems()
    {
        var keys = new List<(string Key, string? Value)> { (Key, configuration[Key]) };
        foreach (var kind in new[] { "Groups", "Users" })
        {
            foreach (var owner in configuration.GetSection($"Policies:{kind}").GetChildren())
            {
                keys.Add(($"Policies:{kind}:{owner.Key}:{Key}", owner[Key]));
            }
        }

        foreach (var (key, value) in keys)
        {
            if (value is not null && PermissionFlags.Parse(value) is null)
            {
                yield return $"{key}: must be FULL, USER, GUEST or flags such as 0x0049 (got '{value}')";
            }
        }
    }
}
