using System.Collections.Frozen;
using Microsoft.Extensions.Configuration;
using SessionManager.FdsApi.Handler;

namespace SessionManager.Sessions.Security;

/// <summary>
/// Permission levels per user: <c>Permissions:Level</c>, overridden as the session policies are
/// (<c>Policies:Groups:&lt;group&gt;:Permissions:Level</c>, <c>Policies:Users:&lt;user&gt;:Permissions:Level</c>;
/// user &gt; group &gt; global; between groups, the name that sorts first). FULL, USER, GUEST (the
/// default, as ogon) or flags as a number. Built once per configuration generation (a reload
/// publishes a new book), so the token check on every fdsapi call parses nothing.
/// </summary>
public sealed class PermissionBook
{
    private const string Key = "Permissions:Level";

    private readonly IConfiguration _configuration;
    private readonly int _global;
    private readonly FrozenDictionary<string, int> _users;
    private readonly FrozenDictionary<string, int> _groups;

    public PermissionBook(IConfiguration configuration)
    {
        _configuration = configuration;
        _global = PermissionFlags.Parse(configuration[Key]) ?? PermissionFlags.Guest;
        _users = LevelsUnder(configuration, "Users");
        _groups = LevelsUnder(configuration, "Groups");
    }

    public int LevelOf(string user, IReadOnlyList<string> groups)
    {
        if (_users.TryGetValue(user, out int own))
        {
            return own;
        }

        // Between groups, the name that sorts first (as the session policies); most users are in
        // few groups and few groups have a level, so no sorted copy unless two match.
        string? first = null;
        int found = 0;
        foreach (var group in groups)
        {
            if (_groups.TryGetValue(group, out int level) && (first is null || string.CompareOrdinal(group, first) < 0))
            {
                (first, found) = (group, level);
            }
        }

        return first is null ? _global : found;
    }

    /// <summary>The levels that parse under Policies:Users or Policies:Groups (the others are <see cref="Problems"/>).</summary>
    private static FrozenDictionary<string, int> LevelsUnder(IConfiguration configuration, string kind)
    {
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var owner in configuration.GetSection($"Policies:{kind}").GetChildren())
        {
            if (PermissionFlags.Parse(owner[Key]) is { } level)
            {
                levels[owner.Key] = level;
            }
        }

        return levels.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every level key that does not parse, one line each.</summary>
    public IEnumerable<string> Problems()
    {
        var configuration = _configuration;
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
