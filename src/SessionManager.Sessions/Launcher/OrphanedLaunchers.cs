namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Launchers whose sm-spawner ended: nobody reaps them for us any more (init does), so their
/// ends are seen by looking at /proc once a second. A launcher counts as ended when its pid is
/// gone, a zombie, or a different process (another start time). Their exit codes are lost: -1.
/// </summary>
internal sealed class OrphanedLaunchers : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly List<(SpawnedLauncher Launcher, string StartTime)> _watched = [];
    private readonly CancellationTokenSource _stop = new();
    private bool _polling;

    public void Adopt(IReadOnlyList<SpawnedLauncher> launchers)
    {
        bool startPolling = false;
        lock (_gate)
        {
            foreach (var l in launchers)
            {
                if (StartTime(l.Pid) is { } started)
                {
                    _watched.Add((l, started));
                }
                else
                {
                    l.OnExited(-1);
                }
            }

            if (_watched.Count > 0 && !_polling)
            {
                _polling = startPolling = true;
            }
        }

        if (startPolling)
        {
            _ = PollAsync();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                List<SpawnedLauncher> ended = [];
                bool done;
                lock (_gate)
                {
                    _watched.RemoveAll(w =>
                    {
                        bool gone = StartTime(w.Launcher.Pid) != w.StartTime;
                        if (gone)
                        {
                            ended.Add(w.Launcher);
                        }

                        return gone;
                    });
                    done = _watched.Count == 0;
                    _polling = !done;
                }

                foreach (var l in ended)
                {
                    l.OnExited(-1);
                }

                if (done)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the daemon is stopping
        }
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks); null if gone or a zombie.</summary>
    private static string? StartTime(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : fields[19];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
