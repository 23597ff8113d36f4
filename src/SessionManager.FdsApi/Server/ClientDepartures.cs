using System.Collections.Concurrent;
using SessionManager.Icp.Connection;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// Looks, every <see cref="CheckInterval"/>, at the sockets of the clients whose call is running,
/// and cancels the call of any whose client has closed (issue 20, 5b). The look is a poll(2) for
/// POLLRDHUP (<see cref="PeerHangup"/>): it reads nothing and leaves no operation pending on the
/// socket. Both matter: a receive still pending when the socket is closed makes .NET close it
/// with a reset, and a peek cannot see a close behind unread bytes (a TLS client's close_notify,
/// a plain client's next request). One timer for the whole server, armed only while calls run;
/// a call shorter than the interval costs an add and a remove.
/// </summary>
internal sealed class ClientDepartures : IDisposable
{
    /// <summary>How late a departure may be noticed; the ICP call it held is released then.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentDictionary<ClientDepartureWatch, byte> _running = new();
    private readonly ITimer _timer;
    private int _armed;

    public ClientDepartures(TimeProvider time) =>
        _timer = time.CreateTimer(static state => ((ClientDepartures)state!).Check(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>Calls being watched now.</summary>
    public int Count => _running.Count;

    public void Add(ClientDepartureWatch watch)
    {
        _running.TryAdd(watch, 0);
        Arm();
    }

    public void Remove(ClientDepartureWatch watch) => _running.TryRemove(watch, out _);

    private void Arm()
    {
        if (Interlocked.CompareExchange(ref _armed, 1, 0) == 0)
        {
            _timer.Change(CheckInterval, Timeout.InfiniteTimeSpan);
        }
    }

    private void Check()
    {
        foreach (var watch in _running.Keys)
        {
            if (watch.CheckGone())
            {
                _running.TryRemove(watch, out _);
            }
        }

        // Disarmed before the emptiness check: a call added meanwhile either saw it disarmed
        // and armed it, or is seen here.
        Volatile.Write(ref _armed, 0);
        if (!_running.IsEmpty)
        {
            Arm();
        }
    }

    public void Dispose() => _timer.Dispose();
}
