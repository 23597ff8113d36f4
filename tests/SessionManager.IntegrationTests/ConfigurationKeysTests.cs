using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SessionManager.FdsApi;
using SessionManager.Hosting;
using SessionManager.Icp;
using SessionManager.Sessions.Backends;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Tls;

namespace SessionManager.IntegrationTests;

/// <summary>
/// <c>--help</c>'s list of keys is the operator's reference: it must name every setting the
/// options classes have, with the default the daemon really starts with, and README's table must
/// say the same.
/// </summary>
public sealed partial class ConfigurationKeysTests
{
    [Fact]
    public void Every_option_is_listed_with_the_default_the_daemon_starts_with()
    {
        // The daemon's own configuration with nothing set: appsettings.json and class defaults.
        var configuration = SessionManagerHost.CreateBuilder([]).Configuration;
        var listed = ConfigurationKeys.All.ToDictionary(k => k.Key, k => k.Default);

        foreach (var (section, options) in new (string, object)[]
        {
            (IcpOptions.SectionName, configuration.GetSection(IcpOptions.SectionName).Get<IcpOptions>() ?? new IcpOptions()),
            (FdsApiOptions.SectionName, configuration.GetSection(FdsApiOptions.SectionName).Get<FdsApiOptions>() ?? new FdsApiOptions()),
            (SessionsOptions.SectionName, configuration.GetSection(SessionsOptions.SectionName).Get<SessionsOptions>() ?? new SessionsOptions()),
            ("Sessions", PolicyBook.Read(configuration, out _).Global),
            (LauncherOptions.SectionName, new LauncherOptions()),
            (AuthOptions.SectionName, new AuthOptions()),
            (AuthOptions.SectionName, new SessionManager.Sessions.Security.AuthThrottleOptions()),
            (TlsOptions.SectionName, new TlsOptions()),
            (PipesOptions.SectionName, new PipesOptions()),
            (SessionManager.Control.ControlOptions.SectionName, new SessionManager.Control.ControlOptions()),
        })
        {
            foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var key = $"{section}:{property.Name}";
                Assert.True(listed.TryGetValue(key, out var shown), $"{key} is missing from ConfigurationKeys.All");

                // AllowedUids left unset means its documented default list.
                var value = options is IcpOptions icp && property.Name == nameof(IcpOptions.AllowedUids) ? icp.EffectiveAllowedUids : property.GetValue(options);
                Assert.Equal(Format(value), shown);
            }
        }
    }

    [Fact]
    public void The_README_table_lists_the_same_keys_and_defaults()
    {
        // The rows of the "Configuration" section only: other sections have tables of their own.
        var readme = File.ReadAllLines(Path.Combine(ToolingTests.RepositoryRoot(), "README.md"))
            .SkipWhile(line => line != "## Configuration")
            .Skip(1)
            .TakeWhile(line => !line.StartsWith("## ", StringComparison.Ordinal));
        var rows = readme
            .Select(line => TableRow().Match(line))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["default"].Value);

        Assert.Equal(ConfigurationKeys.All.Select(k => k.Key).Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var key in ConfigurationKeys.All)
        {
            Assert.True(rows[key.Key] == key.Default, $"README says {key.Key} defaults to '{rows[key.Key]}', --help says '{key.Default}'");
        }
    }

    private static string Format(object? value) => value switch
    {
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable items => "[" + string.Join(", ", items.Cast<object>().Select(Format)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    [GeneratedRegex(@"^\| `(?<key>[A-Za-z:<>]+)` \| `(?<default>[^`]*)` \|")]
    private static partial Regex TableRow();
}
