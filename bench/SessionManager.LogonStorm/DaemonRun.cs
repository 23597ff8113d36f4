using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace SessionManager.LogonStorm;

/// <summary>
/// The published daemon as a process, sessions on, the stand-in as desktop and greeter, logging
/// compact JSON to stdout (Debug for the timing events), which is read here for the timing events.
/// </summary>
internal sealed class DaemonRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _events = new();
    private readonly ConcurrentQueue<string> _problems = new();

    // STORM_LOG=<file>: the daemon's log lines are kept there too (to read a run afterwards).
    private readonly TextWriter? _log = Environment.GetEnvironmentVariable("STORM_LOG") is { Length: > 0 } path
        ? TextWriter.Synchronized(new StreamWriter(path) { AutoFlush = true })
        : null;

    private DaemonRun(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                _problems.Enqueue("stderr: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string SocketPath { get; }

    public int Pid => _process.Id;

    public IReadOnlyCollection<string> Problems => _problems;

    public static DaemonRun Start(string daemonDirectory, string standin, string workDirectory, IEnumerable<string> extra, int nice = 0, IEnumerable<string>? environment = null)
    {
        string socket = Path.Combine(workDirectory, "sm.sock");
        string[] backend(string name, string user) =>
        [
            $"--Backends:{name}:Command:0={standin}",
            $"--Backends:{name}:Command:1=--endpoint-path",
            $"--Backends:{name}:Command:2={{EndpointPath}}",
            $"--Backends:{name}:Endpoint=ogon_{{SessionId}}_{(name == "greeter" ? "Qt" : "X11")}",
            $"--Backends:{name}:User={user}",
            $"--Backends:{name}:StopTimeout=00:00:02",
        ];
        // Under nice(1) from its start: every thread of the runtime gets the niceness.
        var info = new ProcessStartInfo(nice == 0 ? Path.Combine(daemonDirectory, "SessionManager") : "/usr/bin/nice")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var pair in environment ?? [])
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            info.Environment[pair[..eq]] = pair[(eq + 1)..];
        }

        if (nice != 0)
        {
            info.ArgumentList.Add("-n");
            info.ArgumentList.Add(nice.ToString(System.Globalization.CultureInfo.InvariantCulture));
            info.ArgumentList.Add(Path.Combine(daemonDirectory, "SessionManager"));
        }

        string[] args =
        [
            $"--Icp:SocketPath={socket}",
            $"--Control:SocketPath={socket}.control",
            "--FdsApi:Port=0",
            "--FdsApi:Routing=sessions",
            "--Log:Format=json",
            // Information as the daemon runs by default; Debug only where the timing events are
            // (the launcher's and the logon's), so that the storm measures the daemon's logging
            // as a host has it, plus the few lines the figures need.
            "--Serilog:MinimumLevel:Override:SessionManager.Sessions.Launcher=Debug",
            "--Serilog:MinimumLevel:Override:SessionManager.Sessions.Logon=Debug",
            $"--Sessions:TokenDirectory={workDirectory}",
            $"--Tls:CertificatePath={Path.Combine(workDirectory, "rds.crt")}",
            $"--Tls:KeyPath={Path.Combine(workDirectory, "rds.key")}",
            $"--Pipes:Directory={Path.Combine(workDirectory, "pipe")}",
            $"--Launcher:StateDirectory={Path.Combine(workDirectory, "launchers")}",
            // Ends a session as soon as its connection closes: how the storm logs everyone off.
            "--Sessions:DisconnectedTimeout=00:00:00",
            .. backend("desktop", ""),
            .. backend("greeter", "nobody"),
            .. extra,
        ];
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new DaemonRun(Process.Start(info)!, socket);
    }

    /// <summary>The events logged so far with this EventId (newest last).</summary>
    public List<JsonElement> Events(int eventId) =>
        [.. _events.Where(e => e.TryGetProperty("EventId", out var id) && id.TryGetProperty("Id", out var n) && n.GetInt32() == eventId)];

    public void ForgetEvents() => _events.Clear();

    public async Task WaitForEventsAsync(int eventId, int count, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (Events(eventId).Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    public async Task<int> StopAsync(TimeSpan patience)
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the daemon's own shutdown path (Process.Kill would be SIGKILL).
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    private void OnLine(string? line)
    {
        if (string.IsNullOrEmpty(line) || line[0] != '{')
        {
            return;
        }

        _log?.WriteLine(line);
        var e = JsonDocument.Parse(line).RootElement.Clone();
        _events.Enqueue(e);
        if (e.TryGetProperty("@l", out var level) && level.GetString() is "Warning" or "Error" or "Fatal")
        {
            _problems.Enqueue($"{level.GetString()}: {e.GetProperty("@mt").GetString()} {line}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
