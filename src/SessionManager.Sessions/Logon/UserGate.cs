using System.Collections.Concurrent;

namespace SessionManager.Sessions.Logon;

/// <summary>
/// One logon decision at a time per user (two logons of one user racing must not both start a
/// session under single-session); different users proceed in parallel.
/// </summary>
internal sealed class UserGate
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(string user, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(user, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
