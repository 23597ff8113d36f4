using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SessionManager.Fuzz.Daemon;

/// <summary>How to start the daemon: the published binary, or <c>dotnet SessionManager.dll</c> (the tests' build).</summary>
public sealed record DaemonCommand(string FileName, IReadOnlyList<string> LeadingArguments)
{
    public static DaemonCommand Published(string binary) => new(binary, []);

    public static DaemonCommand Dll(string dll) => new("dotnet", [dll]);
}

/// <summary>
/// The daemon under fuzz, as a process of its own with every file it creates in a scratch
/// directory: its real defaults otherwise (sessions routing, tokens required, default limits),
/// except a short Icp:PingInterval so that idle fuzz connections meet its heartbeat. Its JSON log
/// goes to a file and is scanned as it arrives.
/// </summary>
public sealed partial class FuzzDaemon : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private FuzzDaemon(Process process, string socketPath, string logPath)
    {
        _process = process;
        SocketPath = socketPath;
        Log = new DaemonLog(logPath);
        process.OutputDataReceived += (_, e) => OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => Log.OnStderr(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string SocketPath { get; }

    public int Pid => _process.Id;

    public DaemonLog Log { get; }

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The daemon's arguments besides the command's own: what the fuzz run configures.</summary>
    public static IReadOnlyList<string> Arguments(string scratch, FuzzSettings settings) =>
    [
        $"--Icp:SocketPath={Path.Combine(scratch, "sm.sock")}",
        $"--Control:SocketPath={Path.Combine(scratch, "control.sock")}",
        "--FdsApi:Port=0",
        "--Log:Format=json",
        $"--Icp:PingInterval={settings.DaemonPingInterval:c}",
        // The fuzzer's own uid may be the RDS server (root when run as root: the default list).
        $"--Icp:AllowedUids:0={CurrentUid()}",
        $"--Sessions:TokenDirectory={scratch}",
        $"--Tls:CertificatePath={Path.Combine(scratch, "rds.crt")}",
        $"--Tls:KeyPath={Path.Combine(scratch, "rds.key")}",
        $"--Pipes:Directory={Path.Combine(scratch, "pipe")}",
        $"--Launcher:StateDirectory={Path.Combine(scratch, "launchers")}",
    ];

    public static async Task<FuzzDaemon> StartAsync(DaemonCommand command, string scratch, FuzzSettings settings)
    {
        var info = new ProcessStartInfo(command.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.LeadingArguments.Concat(Arguments(scratch, settings)))
        {
            info.ArgumentList.Add(arg);
        }

        var daemon = new FuzzDaemon(Process.Start(info)!, Path.Combine(scratch, "sm.sock"), Path.Combine(scratch, "daemon.log"));
        var ready = await Task.WhenAny(daemon._port.Task, daemon._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (ready != daemon._port.Task)
        {
            await daemon.DisposeAsync();
            throw new InvalidOperationException($"the daemon did not start (exit {daemon.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}): {string.Join(" | ", daemon.Log.StderrLines)}");
        }

        return daemon;
    }

    /// <summary>The fdsapi port the daemon chose (FdsApi:Port=0), from its "fdsapi listening" line.</summary>
    public Task<int> ThriftPort => _port.Task;

    /// <summary>VmRSS in KiB (0 once the process is gone).</summary>
    public long RssKb()
    {
        try
        {
            var line = File.ReadLines($"/proc/{Pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>SIGTERM (the daemon's own shutdown path) and its exit code, or null if it did not exit in time.</summary>
    public async Task<int?> StopAsync(TimeSpan patience)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        return _process.ExitCode;
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            return;
        }

        Log.OnStdout(line);
        if (!_port.Task.IsCompleted && line.Contains("\"Id\":2001", StringComparison.Ordinal) && ListeningPort().Match(line) is { Success: true } m)
        {
            _port.TrySetResult(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex("\"Endpoint\":\"[^\"]*:(\\d+)\"")]
    private static partial Regex ListeningPort();

    private static string CurrentUid()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        // Let the last buffered lines reach the log before it is closed.
        _process.WaitForExit();
        Log.Dispose();
        _process.Dispose();
    }
}
