using System.Net.Sockets;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// Notices a client that leaves while its call runs (the connection reads nothing then), so the
/// work done for it is cancelled (issue 20, 5b). A one-byte peek receive on the socket completes
/// when bytes or the end arrive and consumes nothing: 0 is the end (a reset throws), 1 is the
/// next request, which never counts as leaving. One receive at a time: once a client's next
/// request is there it is not watched again until its next call. A client that half-closes its
/// sending side and waits for its answer counts as gone: Thrift clients do not do that.
/// </summary>
internal sealed class ClientDepartureWatch(Socket socket, CancellationTokenSource departed) : IAsyncDisposable
{
    /// <summary>Peeked bytes are never looked at: one shared target for every connection.</summary>
    private static readonly byte[] PeekTarget = new byte[1];

    private readonly CancellationTokenSource _stop = new();
    private Task? _watching;

    /// <summary>A call is about to run: watch the socket if no receive is watching it already.</summary>
    public void Watch()
    {
        if (departed.IsCancellationRequested || _watching is { IsCompleted: false })
        {
            return;
        }

        _watching = WatchAsync();
    }

    private async Task WatchAsync()
    {
        bool gone;
        try
        {
            gone = await socket.ReceiveAsync(PeekTarget, SocketFlags.Peek, _stop.Token) == 0;
        }
        catch (SocketException)
        {
            gone = true; // reset
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            return; // the connection is ending anyway
        }

        if (gone)
        {
            await departed.CancelAsync();
        }
    }

    /// <summary>
    /// Ends a pending receive before the socket is closed: a socket closed with an operation
    /// pending is closed abortively (a reset), which a client leaving cleanly must not see.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_watching is { } watching)
        {
            await watching;
        }

        _stop.Dispose();
    }
}
