using Microsoft.Extensions.Logging;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Launchers started ahead of need (Launcher:PoolSize), each connected and waiting for its
/// AUTHENTICATE, so that a logon's path has no process start on it. Taking one starts its
/// replacement; at most two start at once, which keeps up with PAM (hundreds of ms per logon)
/// while leaving the CPU to the logons in progress. An idle launcher holds no PAM handle and no
/// secret; if the daemon goes, its connection closes and it exits.
/// </summary>
internal sealed class LauncherPool : IDisposable
{
    private const int MaxStartingAtOnce = 2;

    private readonly int _size;
    private readonly Func<CancellationToken, Task<LauncherConnection>> _launch;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Queue<LauncherConnection> _idle = new();
    private readonly CancellationTokenSource _disposing = new();
    private int _starting;
    private bool _disposed;

    public LauncherPool(int size, Func<CancellationToken, Task<LauncherConnection>> launch, ILogger logger)
    {
        _size = size;
        _launch = launch;
        _logger = logger;
    }

    /// <summary>Idle launchers now (tests, the storm's accounting).</summary>
    internal int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>A ready launcher, or null if none is idle; either way the pool is topped up.</summary>
    public LauncherConnection? TryTake()
    {
        LauncherConnection? taken = null;
        lock (_gate)
        {
            while (taken is null && _idle.TryDequeue(out var c))
            {
                if (c.IsClosed)
                {
                    c.Abandon(); // it died while idle
                }
                else
                {
                    taken = c;
                }
            }
        }

        Fill();
        return taken;
    }

    /// <summary>Starts launchers until the pool is full (no more than two at a time).</summary>
    public void Fill()
    {
        int start;
        lock (_gate)
        {
            if (_disposed || _size == 0)
            {
                return;
            }

            start = Math.Min(MaxStartingAtOnce - _starting, _size - _idle.Count - _starting);
            if (start <= 0)
            {
                return;
            }

            _starting += start;
        }

        for (int i = 0; i < start; i++)
        {
            _ = StartOneAsync();
        }
    }

    public void Dispose()
    {
        List<LauncherConnection> idle;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        _disposing.Cancel();
        foreach (var c in idle)
        {
            c.Abandon();
        }
    }

    private async Task StartOneAsync()
    {
        bool added = false;
        try
        {
            var c = await _launch(_disposing.Token).ConfigureAwait(false);
            lock (_gate)
            {
                if (!_disposed)
                {
                    _idle.Enqueue(c);
                    added = true;
                }
            }

            if (!added)
            {
                c.Abandon();
            }
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            // the daemon is stopping
        }
        catch (Exception e) when (e is LauncherException or ObjectDisposedException)
        {
            // Not retried here: a launcher that cannot start would loop. The next logon starts
            // its own launcher (and says why it failed) and tops the pool up again.
            if (!_disposing.IsCancellationRequested)
            {
                _logger.PoolFillFailed(e.Message);
            }
        }
        finally
        {
            lock (_gate)
            {
                _starting--;
            }
        }

        if (added)
        {
            Fill();
        }
    }
}
