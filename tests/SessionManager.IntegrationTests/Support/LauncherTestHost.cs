using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Sessions.Launcher;

namespace SessionManager.IntegrationTests.Support;

/// <summary>The accounts tests/setup-test-host.sh creates, and a SessionLauncher wired like the daemon's.</summary>
public static class LauncherTestHost
{
    public const string Group = "smtestgrp";

    public static string User(int n) => $"smtest{n}";

    public static string Password(int n) => $"Pw-smtest{n}!";

    internal static uint geteuid() => LauncherNative.EffectiveUid;

    public static SessionLauncher CreateLauncher(ListLogger log, Action<AuthOptions>? auth = null, Action<LauncherOptions>? launcher = null, IReadOnlyList<string>? prefix = null)
    {
        var a = new AuthOptions();
        auth?.Invoke(a);
        var l = new LauncherOptions { StateDirectory = "/run/sessionmanager-tests" };
        launcher?.Invoke(l);
        return new SessionLauncher(Options.Create(l), Options.Create(a), log.CreateLogger<SessionLauncher>()) { CommandPrefix = prefix ?? [] };
    }

    /// <summary>The output of a command (getent, id) on this machine, to compare with.</summary>
    public static string Run(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.Trim();
    }

    public static string[] Passwd(string user) => Run("getent", "passwd", user).Split(':');

    /// <summary>Pids of live processes in process group <paramref name="pgid"/> (from /proc).</summary>
    public static List<int> ProcessesInGroup(int pgid)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (rest[0] != "Z" && int.Parse(rest[2], CultureInfo.InvariantCulture) == pgid)
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // gone meanwhile
            }
        }

        return found;
    }

    /// <summary>Running and not a zombie. The process may go between any two reads of /proc: gone is not alive.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // FileNotFound/DirectoryNotFound, or ESRCH while reading
        }
    }

    /// <summary>A directory any backend user can write to (1777, like /tmp).</summary>
    public static TempDirectory WorldWritableDirectory()
    {
        var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("1777", 8));
        return dir;
    }
}

/// <summary>Keeps every formatted log line and every property value, to check what reaches the log.</summary>
public sealed class ListLogger : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string All => string.Join("\n", _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public ILogger<T> CreateLogger<T>() => new Logger<T>(this);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(ListLogger owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> kv ? string.Join(" ", kv.Select(p => $"{p.Key}={p.Value}")) : "";
            owner._lines.Enqueue($"{eventId.Id} {eventId.Name} {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
