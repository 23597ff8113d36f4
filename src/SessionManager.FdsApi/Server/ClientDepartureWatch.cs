using System.Net.Sockets;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// Notices a client that leaves while its call runs (the connection reads nothing then), so the
/// work done for it is cancelled (issue 20, 5b). A zero-byte receive on the socket completes
/// when bytes or the end arrive, and holds no buffer; when it completes, the socket is asked
/// whether it is readable with nothing to read, which is only true once the client has closed
/// (or reset) its side, so bytes of a next request never count as leaving. One receive at a time:
/// after a client's next request arrives it is not watched again until its next call.
/// A client that half-closes (shutdown of its sending side) and waits for its answer counts as
/// gone: Thrift clients do not do that.
/// </summary>
internal sealed class ClientDepartureWatch(Socket socket, CancellationTokenSource departed)
{
    private int _watching;

    /// <summary>A call is about to run: watch the socket if no receive is watching it already.</summary>
    public void Watch()
    {
        if (departed.IsCancellationRequested || Interlocked.Exchange(ref _watching, 1) == 1)
        {
            return;
        }

        _ = WatchAsync();
    }

    private async Task WatchAsync()
    {
        bool gone;
        try
        {
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
            gone = socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (SocketException)
        {
            gone = true; // reset
        }
        catch (ObjectDisposedException)
        {
            return; // the connection is closing anyway
        }

        if (gone)
        {
            try
            {
                departed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the connection ended meanwhile
            }
        }

        Volatile.Write(ref _watching, 0);
    }
}
