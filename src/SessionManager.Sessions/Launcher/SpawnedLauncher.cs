namespace SessionManager.Sessions.Launcher;

/// <summary>
/// An sm-launcher that sm-spawner started for this daemon: its pid (also its process group: it
/// calls setpgid() at start), whether it is listening yet, and its end as the spawner reaped it.
/// This is all the daemon keeps per launcher process: no Process object, pipes or buffers.
/// </summary>
internal sealed class SpawnedLauncher(int pid)
{
    private readonly TaskCompletionSource<bool> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _lastLine = "";

    public int Pid { get; } = pid;

    /// <summary>Its exit code (128 + the signal if one killed it, as a shell says), once reaped;
    /// -1 if it ended while no spawner watched it.</summary>
    public Task<int> Exit => _exit.Task;

    public bool HasExited => _exit.Task.IsCompleted;

    /// <summary>Until it listens on its control socket; throws with its last stderr line (its
    /// reason) if it ended first.</summary>
    public async Task WaitUntilListeningAsync(CancellationToken ct)
    {
        if (!await _listening.Task.WaitAsync(ct).ConfigureAwait(false))
        {
            throw new LauncherException($"sm-launcher ended before listening: {(_lastLine.Length > 0 ? _lastLine : "no reason given")}");
        }
    }

    /// <summary>SIGKILL to the launcher's process group, unless it is known to have ended (its pid
    /// may then be someone else's).</summary>
    public void Kill()
    {
        if (!HasExited)
        {
            LauncherNative.KillProcessGroup(Pid);
        }
    }

    /// <summary>SIGTERM to the launcher alone: it stops its backend (Launcher:StopTimeout), closes
    /// the PAM session and ends.</summary>
    public void Terminate()
    {
        if (!HasExited)
        {
            LauncherNative.Terminate(Pid);
        }
    }

    internal void OnReady() => _listening.TrySetResult(true);

    internal void OnLine(string line) => _lastLine = line;

    internal void OnExited(int code)
    {
        _listening.TrySetResult(false);
        _exit.TrySetResult(code);
    }

    /// <summary>The spawner ended before this launcher said it listens: it will not be heard of again.</summary>
    internal void OnSpawnerLost(string reason)
    {
        if (_lastLine.Length == 0)
        {
            _lastLine = reason;
        }

        _listening.TrySetResult(false);
    }
}
