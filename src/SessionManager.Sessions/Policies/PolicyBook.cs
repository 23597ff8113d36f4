using System.Globalization;
using Microsoft.Extensions.Configuration;
using SessionManager.Sessions.Properties;

namespace SessionManager.Sessions.Policies;

/// <summary>
/// Every configured policy, read and checked once at start. <see cref="For"/> resolves one user:
/// user &gt; group &gt; global, key by key. When several of the user's groups set the same key, the
/// group whose name sorts first wins (a documented, deterministic rule).
/// </summary>
public sealed class PolicyBook
{
    private const string Section = "Sessions";

    private static readonly string[] Keys =
    [
        nameof(SessionPolicy.Reconnect), nameof(SessionPolicy.SingleSession), nameof(SessionPolicy.ReconnectFromSameClient),
        nameof(SessionPolicy.DisconnectedTimeout), nameof(SessionPolicy.MaxSessions), nameof(SessionPolicy.MaxSessionsPerUser),
        nameof(SessionPolicy.MaxWidth), nameof(SessionPolicy.MaxHeight), nameof(SessionPolicy.Backend), nameof(SessionPolicy.Greeter),
    ];

    private readonly SessionPolicy _global;
    private readonly Dictionary<string, IConfigurationSection> _groups;
    private readonly Dictionary<string, IConfigurationSection> _users;
    private readonly IConfiguration _configuration;

    private PolicyBook(IConfiguration configuration, SessionPolicy global, Dictionary<string, IConfigurationSection> groups, Dictionary<string, IConfigurationSection> users)
    {
        _configuration = configuration;
        _global = global;
        _groups = groups;
        _users = users;
    }

    public SessionPolicy Global => _global;

    /// <summary>Reads and checks every policy key; the errors name their keys, one line each.</summary>
    public static PolicyBook Read(IConfiguration configuration, out List<string> errors)
    {
        errors = [];
        var global = Apply(new SessionPolicy(), configuration.GetSection(Section), Section, errors);
        var groups = Overrides(configuration, "Policies:Groups", errors);
        var users = Overrides(configuration, "Policies:Users", errors);
        return new PolicyBook(configuration, global, groups, users);
    }

    public SessionPolicy For(string user, IReadOnlyList<string> groups)
    {
        var policy = _global;
        foreach (var group in groups.Order(StringComparer.Ordinal).Reverse())
        {
            // Applied last-to-first, so that the first group's value is the one left.
            if (_groups.TryGetValue(group, out var section))
            {
                policy = Apply(policy, section, section.Path, null);
            }
        }

        return _users.TryGetValue(user, out var userSection) ? Apply(policy, userSection, userSection.Path, null) : policy;
    }

    private static Dictionary<string, IConfigurationSection> Overrides(IConfiguration configuration, string path, List<string> errors)
    {
        var found = new Dictionary<string, IConfigurationSection>(StringComparer.Ordinal);
        foreach (var owner in configuration.GetSection(path).GetChildren())
        {
            var section = owner.GetSection(Section);
            _ = Apply(new SessionPolicy(), section, section.Path, errors);
            found[owner.Key] = section;
        }

        return found;
    }

    /// <summary>The keys set in <paramref name="section"/> applied over <paramref name="policy"/>.</summary>
    private static SessionPolicy Apply(SessionPolicy policy, IConfigurationSection section, string path, List<string>? errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (child.Value is not { } text)
            {
                continue;
            }

            string key = $"{path}:{child.Key}";
            string? problem = null;
            switch (Keys.FirstOrDefault(k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase)))
            {
                case nameof(SessionPolicy.Reconnect):
                    policy = Bool(text, key, ref problem) is { } r ? policy with { Reconnect = r } : policy;
                    break;
                case nameof(SessionPolicy.SingleSession):
                    policy = Bool(text, key, ref problem) is { } s ? policy with { SingleSession = s } : policy;
                    break;
                case nameof(SessionPolicy.ReconnectFromSameClient):
                    policy = Bool(text, key, ref problem) is { } c ? policy with { ReconnectFromSameClient = c } : policy;
                    break;
                case nameof(SessionPolicy.DisconnectedTimeout):
                    policy = Timeout(text, key, ref problem) is { } t ? policy with { DisconnectedTimeout = t } : policy;
                    break;
                case nameof(SessionPolicy.MaxSessions):
                    policy = Count(text, key, ref problem) is { } m ? policy with { MaxSessions = m } : policy;
                    break;
                case nameof(SessionPolicy.MaxSessionsPerUser):
                    policy = Count(text, key, ref problem) is { } u ? policy with { MaxSessionsPerUser = u } : policy;
                    break;
                case nameof(SessionPolicy.MaxWidth):
                    policy = Count(text, key, ref problem) is { } w ? policy with { MaxWidth = w } : policy;
                    break;
                case nameof(SessionPolicy.MaxHeight):
                    policy = Count(text, key, ref problem) is { } h ? policy with { MaxHeight = h } : policy;
                    break;
                case nameof(SessionPolicy.Backend):
                    policy = policy with { Backend = text };
                    break;
                case nameof(SessionPolicy.Greeter):
                    policy = policy with { Greeter = text };
                    break;
                default:
                    // Sessions:LogonBudget, Sessions:OnShutdown etc. are not per-user policy keys.
                    break;
            }

            if (problem is not null)
            {
                errors?.Add(problem);
            }
        }

        return policy;
    }

    private static bool? Bool(string text, string key, ref string? problem)
    {
        if (PropertyValueParser.TryParseBool(text, out bool value))
        {
            return value;
        }

        problem = $"{key}: must be true or false (got '{text}')";
        return null;
    }

    private static int? Count(string text, string key, ref string? problem)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        problem = $"{key}: must be a number, 0 or more (got '{text}')";
        return null;
    }

    /// <summary>A duration such as 00:01:00, or "infinite".</summary>
    internal static TimeSpan? Timeout(string text, string key, ref string? problem)
    {
        if (string.Equals(text.Trim(), "infinite", StringComparison.OrdinalIgnoreCase))
        {
            return System.Threading.Timeout.InfiniteTimeSpan;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero)
        {
            return value;
        }

        problem = $"{key}: must be a duration such as 00:01:00, or infinite (got '{text}')";
        return null;
    }
}
