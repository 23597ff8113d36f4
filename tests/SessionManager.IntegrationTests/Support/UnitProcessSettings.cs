using System.Globalization;

namespace SessionManager.IntegrationTests.Support;

/// <summary>
/// The [Service] settings of deploy/sessionmanager.service that shape the daemon's process,
/// applied without systemd (which must never be booted on the test machines): a command prefix
/// (setpriv, prlimit, a umask) and the environment. A directive this class does not know makes
/// it throw instead of being skipped, so a setting added to the unit is either applied here or
/// consciously listed as not a process setting.
/// </summary>
public sealed class UnitProcessSettings
{
    // Directives that change nothing in the daemon's process as exec'd: how systemd starts,
    // watches, stops and restarts it, and PrivateTmp=false (the default, stated).
    private static readonly HashSet<string> NotProcessSettings = new(StringComparer.Ordinal)
    {
        "Type", "ExecStart", "ExecReload", "ExecStop", "WorkingDirectory", "Restart", "RestartSec",
        "RestartPreventExitStatus", "KillSignal", "KillMode", "TimeoutStopSec", "TimeoutStartSec",
        "NotifyAccess", "WatchdogSec", "FileDescriptorStoreMax",
    };

    private UnitProcessSettings(IReadOnlyList<string> wrapper, IReadOnlyDictionary<string, string> environment)
    {
        Wrapper = wrapper;
        Environment = environment;
    }

    /// <summary>A command that applies the settings and execs the rest of its arguments.</summary>
    public IReadOnlyList<string> Wrapper { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public static string UnitPath => Path.Combine(ToolingTests.RepositoryRoot(), "deploy", "sessionmanager.service");

    /// <summary>The [Service] section's directives in order (comments and blank lines left out).</summary>
    public static IReadOnlyList<(string Key, string Value)> ServiceDirectives()
    {
        var directives = new List<(string, string)>();
        string? section = null;
        foreach (var raw in File.ReadAllLines(UnitPath))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                section = line;
                continue;
            }

            if (section == "[Service]")
            {
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                directives.Add((line[..eq].Trim(), line[(eq + 1)..].Trim()));
            }
        }

        return directives;
    }

    public static UnitProcessSettings Read()
    {
        var prlimit = new List<string>();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var wrapper = new List<string>();
        foreach (var (key, value) in ServiceDirectives())
        {
            if (NotProcessSettings.Contains(key) || (key == "PrivateTmp" && value is "false" or "no"))
            {
                continue;
            }

            switch (key)
            {
                case "Environment":
                    // One NAME=value per line in this unit (no quoting needed so far).
                    int eq = value.IndexOf('=', StringComparison.Ordinal);
                    environment[value[..eq]] = value[(eq + 1)..];
                    break;
                case "NoNewPrivileges" when value is "true" or "yes":
                    wrapper.AddRange(["setpriv", "--no-new-privs"]);
                    break;
                case "NoNewPrivileges":
                    break;
                case "UMask":
                    wrapper.AddRange(["/bin/sh", "-c", $"umask {value} && exec \"$@\"", "umask"]);
                    break;
                case "LimitCORE" or "LimitNOFILE" or "LimitNPROC" or "LimitMEMLOCK" or "LimitAS" or "LimitSTACK":
                    prlimit.Add($"--{key["Limit".Length..].ToLower(CultureInfo.InvariantCulture)}={value.Replace("infinity", "unlimited", StringComparison.Ordinal)}");
                    break;
                default:
                    throw new NotSupportedException(
                        $"{UnitPath}: the tests cannot apply {key}={value} to a daemon run without systemd; apply it in {nameof(UnitProcessSettings)} or list it as no process setting");
            }
        }

        if (prlimit.Count > 0)
        {
            wrapper.InsertRange(0, ["prlimit", .. prlimit, "--"]);
        }

        return new UnitProcessSettings(wrapper, environment);
    }
}
