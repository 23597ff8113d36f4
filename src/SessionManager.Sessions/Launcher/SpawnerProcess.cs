using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// The one sm-spawner this daemon runs (Process.Start: the only process the daemon creates
/// itself). Its stdout says "ready" once it listens; its stderr lines go to the log (it writes
/// paths and numbers there, and never sees a password). Its launchers' output does not pass
/// here: it comes over the spawner's socket (<see cref="SpawnerChannel"/>).
/// </summary>
internal sealed class SpawnerProcess
{
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly Task _stderrPump;
    private volatile string _lastLine = "";

    private SpawnerProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
        Pid = process.Id;
        _stderrPump = PumpStderrAsync();
        Exit = WaitForExitCodeAsync();
    }

    public int Pid { get; }

    /// <summary>Its exit code once it has ended (and been reaped).</summary>
    public Task<int> Exit { get; }

    public static SpawnerProcess Start(IReadOnlyList<string> command, ILogger logger)
    {
        var psi = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        // The launchers it starts get PATH only (it sets that itself); it needs nothing of ours.
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        var process = Process.Start(psi) ?? throw new LauncherException($"cannot start {command[0]}");
        return new SpawnerProcess(process, logger);
    }

    /// <summary>Waits for the "ready" line: it listens on its socket then.</summary>
    public async Task WaitUntilListeningAsync(CancellationToken ct)
    {
        string? line = await _process.StandardOutput.ReadLineAsync(ct).ConfigureAwait(false);
        if (line != "ready")
        {
            await Task.WhenAny(_stderrPump, Task.Delay(1000, ct)).ConfigureAwait(false);
            throw new LauncherException($"sm-spawner ended before listening: {(_lastLine.Length > 0 ? _lastLine : "no reason given")}");
        }

        _process.StandardOutput.Dispose();
    }

    /// <summary>SIGKILL to the spawner alone (its launchers have their own sessions and stay).</summary>
    public void Kill()
    {
        try
        {
            if (!Exit.IsCompleted)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // it has just ended
        }
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                const string prefix = "sm-spawner: ";
                _lastLine = line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : line;
                _logger.SpawnerSaid(Pid, _lastLine);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the pipe went with the process
        }
    }

    private async Task<int> WaitForExitCodeAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        int code = _process.ExitCode;
        await _stderrPump.ConfigureAwait(false);
        _process.Dispose();
        return code;
    }
}
