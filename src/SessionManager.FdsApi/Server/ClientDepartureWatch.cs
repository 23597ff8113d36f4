using System.Net.Sockets;
using SessionManager.Icp.Connection;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// One connection's part in <see cref="ClientDepartures"/>: watched from the moment its call's
/// request has been read whole until the call is done, so the connection's own reads are never
/// raced (between calls, the idle read notices a close). The close is seen on the socket, beneath
/// TLS, whatever is buffered above it. A client that half-closes its sending side and waits for
/// its answer counts as gone: Thrift clients do not do that.
/// </summary>
internal sealed class ClientDepartureWatch(Socket socket, CancellationTokenSource departed, ClientDepartures departures) : IDisposable
{
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>A call is about to run.</summary>
    public void Watch()
    {
        if (!departed.IsCancellationRequested)
        {
            departures.Add(this);
        }
    }

    /// <summary>The call is done (answered, or failed): no longer watched.</summary>
    public void Unwatch() => departures.Remove(this);

    /// <summary>On the sweep's timer: true once the client has gone and its call was cancelled.</summary>
    public bool CheckGone()
    {
        if (!PeerHangup.HasHungUp(socket))
        {
            return false;
        }

        // The gate keeps the cancel off a source the ended connection has disposed. The call's
        // callbacks run on the pool, not on the sweep's timer (one that threw would end the process
        // there); nothing waits for them.
        lock (_gate)
        {
            if (!_disposed)
            {
                _ = departed.CancelAsync();
            }
        }

        return true;
    }

    public void Dispose()
    {
        departures.Remove(this);
        lock (_gate)
        {
            _disposed = true;
        }
    }
}
