using System.Globalization;

namespace SessionManager.LogonStorm;

/// <param name="Settings">Extra daemon settings (--set Launcher:PamNice=0), passed as --KEY=VALUE.</param>
/// <param name="DaemonEnvironment">NAME=VALUE pairs for the daemon's environment (--daemon-env), e.g. the systemd unit's DOTNET_ lines.</param>
/// <param name="Rounds">Storms run one after another on the same daemon (the first is its first).</param>
/// <param name="DaemonNice">The niceness the daemon runs at (nice -n), as a unit's Nice= would set it.</param>
internal sealed record StormOptions(string DaemonDirectory, string Standin, int Sessions, bool KeepUsers, IReadOnlyList<string> Settings, int DaemonNice, int Rounds, IReadOnlyList<string> DaemonEnvironment)
{
    /// <summary>Launcher:PoolSize as the daemon runs it (its default unless set): idle launchers
    /// that stay when every session has ended.</summary>
    public int PoolSize => Settings.LastOrDefault(s => s.StartsWith("Launcher:PoolSize=", StringComparison.Ordinal)) is { } set
        ? int.Parse(set["Launcher:PoolSize=".Length..], CultureInfo.InvariantCulture)
        : 16;

    /// <summary>The daemon's default Sessions:LogonBudget, which the storm does not change.</summary>
    public TimeSpan Budget { get; } = TimeSpan.FromSeconds(8);

    public static StormOptions Parse(string[] args)
    {
        string? daemon = null, standin = null;
        int sessions = 200;
        bool keep = false;
        var settings = new List<string>();
        var environment = new List<string>();
        int nice = 0, rounds = 2;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--daemon" when i + 1 < args.Length: daemon = Path.GetFullPath(args[++i]); break;
                case "--standin" when i + 1 < args.Length: standin = Path.GetFullPath(args[++i]); break;
                case "--sessions" when i + 1 < args.Length: sessions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--keep-users": keep = true; break;
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--daemon-nice" when i + 1 < args.Length: nice = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--daemon-env" when i + 1 < args.Length && args[i + 1].Contains('=', StringComparison.Ordinal): environment.Add(args[++i]); break;
                case "--set" when i + 1 < args.Length && args[i + 1].Contains('=', StringComparison.Ordinal): settings.Add(args[++i]); break;
                default: throw new ArgumentException($"usage: SessionManager.LogonStorm --daemon DIR --standin PATH [--sessions N] [--rounds N] [--keep-users] [--daemon-nice N] [--daemon-env NAME=VALUE]... [--set KEY=VALUE]... (got '{args[i]}')");
            }
        }

        if (daemon is null || standin is null || sessions is < 1 or > 999 || rounds is < 1 or > 9)
        {
            throw new ArgumentException("usage: SessionManager.LogonStorm --daemon DIR --standin PATH [--sessions N (1-999)] [--rounds N (1-9)] [--keep-users]");
        }

        return new StormOptions(daemon, standin, sessions, keep, settings, nice, rounds, environment);
    }
}
