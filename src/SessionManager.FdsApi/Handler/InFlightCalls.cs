namespace SessionManager.FdsApi.Handler;

/// <summary>Counts Thrift calls in progress (request read to reply written), so shutdown can let them finish.</summary>
public sealed class InFlightCalls
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Scope Enter()
    {
        Interlocked.Increment(ref _count);
        return new Scope(this);
    }

    /// <summary>True when no call is in progress before <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForNoneAsync(TimeSpan timeout)
    {
        // Polling is fine here: it runs once, at shutdown, for a few seconds at most.
        var deadline = DateTime.UtcNow + timeout;
        while (Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return Count == 0;
    }

    public readonly struct Scope(InFlightCalls owner) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref owner._count);
    }
}
