namespace SessionManager.FdsApi.Server;

/// <summary>
/// FdsApi:MaxBufferedBytes: the bytes all Thrift clients' large messages may hold at once. A
/// connection reserves a message's size before it receives it and gives it back once it has
/// answered it. Waiters are served first come, first served (a small reservation does not pass
/// a large one that waits), and every wait is bounded, so nothing waits forever.
/// </summary>
public sealed class ClientBufferBudget(long capacity, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _inUse;

    public long Capacity => capacity;

    /// <summary>Bytes reserved now.</summary>
    public long InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    /// <summary>Reserves <paramref name="bytes"/> now if there is room and nobody waits before.</summary>
    public bool TryReserve(long bytes)
    {
        lock (_lock)
        {
            if (_waiters.Count > 0 || _inUse + bytes > capacity)
            {
                return false;
            }

            _inUse += bytes;
            return true;
        }
    }

    /// <summary>Reserves <paramref name="bytes"/>, waiting at most <paramref name="wait"/>; false if no room came.</summary>
    public async ValueTask<bool> ReserveAsync(long bytes, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (bytes > capacity)
        {
            return false; // could never fit (start-up checks MaxBufferedBytes >= MaxFrameBytes)
        }

        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _inUse + bytes <= capacity)
            {
                _inUse += bytes;
                return true;
            }

            node = _waiters.AddLast(new Waiter(bytes));
        }

        try
        {
            await node.Value.Granted.Task.WaitAsync(wait, time, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            lock (_lock)
            {
                if (node.List is null)
                {
                    // Granted while the wait ended: the reservation is ours; give it back.
                    ReleaseLocked(bytes);
                }
                else
                {
                    _waiters.Remove(node);
                    GrantLocked(); // the waiters behind this one may fit now
                }
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            return false;
        }
    }

    public void Release(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        lock (_lock)
        {
            ReleaseLocked(bytes);
        }
    }

    private void ReleaseLocked(long bytes)
    {
        _inUse -= bytes;
        GrantLocked();
    }

    private void GrantLocked()
    {
        while (_waiters.First is { } first && _inUse + first.Value.Bytes <= capacity)
        {
            _waiters.RemoveFirst();
            _inUse += first.Value.Bytes;
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
