using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// An sm-launcher this daemon started (Process.Start: the runtime spawns it with vfork+exec; the
/// daemon itself never forks). Its stderr lines go to the log: the launcher writes only names,
/// numbers and PAM's messages there, never a password.
/// </summary>
internal sealed class LauncherProcess
{
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly Task _stderrPump;
    private volatile string _lastLine = "";

    private LauncherProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
        Pid = process.Id;
        _stderrPump = PumpStderrAsync();
        Exit = WaitForExitCodeAsync();
    }

    public int Pid { get; }

    /// <summary>The launcher's exit code once it has ended (and been reaped).</summary>
    public Task<int> Exit { get; }

    public static LauncherProcess Start(IReadOnlyList<string> command, ILogger logger)
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

        // PAM modules run in the launcher: they see a minimal environment, not the daemon's.
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        var process = Process.Start(psi) ?? throw new LauncherException($"cannot start {command[0]}");
        return new LauncherProcess(process, logger);
    }

    /// <summary>Waits for the launcher's "ready" line: it listens on its socket then.</summary>
    public async Task WaitUntilListeningAsync(CancellationToken ct)
    {
        string? line = await _process.StandardOutput.ReadLineAsync(ct).ConfigureAwait(false);
        if (line != "ready")
        {
            // It ended before listening; its reason is its last stderr line.
            await Task.WhenAny(_stderrPump, Task.Delay(1000, ct)).ConfigureAwait(false);
            throw new LauncherException($"sm-launcher ended before listening: {(_lastLine.Length > 0 ? _lastLine : "no reason given")}");
        }

        // "ready" is the only thing it writes to stdout (it ignores SIGPIPE): the reader and its
        // buffers need not live as long as the session.
        _process.StandardOutput.Dispose();
    }

    public bool HasExited => Exit.IsCompleted;

    /// <summary>SIGKILL to the launcher's process group, unless it has already been reaped (then its pid may be reused).</summary>
    public void Kill()
    {
        if (!HasExited)
        {
            LauncherNative.KillProcessGroup(Pid);
        }
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                const string prefix = "sm-launcher: ";
                _lastLine = line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : line;
                _logger.LauncherSaid(Pid, _lastLine);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the pipe went with the process
        }
    }

    private async Task<int> WaitForExitCodeAsync()
    {
        // The Process object lives as long as the launcher: a session outlives the connection
        // that started it, and its stderr keeps being logged.
        await _process.WaitForExitAsync().ConfigureAwait(false);
        int code = _process.ExitCode;
        _ = _stderrPump.ContinueWith(_ => _process.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return code;
    }
}
