using System.Net.Sockets;

namespace SessionManager.Icp.Hosting;

/// <summary>The accept loop both listeners share: until stopped, hand each new socket over.</summary>
public static class AcceptLoop
{
    /// <param name="accepted">Serves a new socket. If it throws, the socket is closed and <paramref name="callbackFailed"/> told; the loop goes on.</param>
    public static Task RunAsync(Socket listener, Action<Socket> accepted, Action<SocketException> failed, Action<Exception> callbackFailed, CancellationToken stoppingToken) =>
        RunAsync(listener, accepted, failed, callbackFailed, new LoopActivity("accept loop"), stoppingToken);

    /// <param name="activity">Told when the loop waits and when it works, for the systemd watchdog.</param>
    public static async Task RunAsync(Socket listener, Action<Socket> accepted, Action<SocketException> failed, Action<Exception> callbackFailed, LoopActivity activity, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket socket;
            activity.Waiting();
            try
            {
                socket = await listener.AcceptAsync(stoppingToken);
                activity.Working();
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested || IsListenerClosed(ex))
            {
                activity.Waiting();
                return; // stopping: the listener was closed or the accept cancelled
            }
            catch (SocketException ex)
            {
                // e.g. out of file descriptors: back off rather than spin.
                failed(ex);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                continue;
            }

            try
            {
                accepted(socket);
            }
            catch (Exception ex)
            {
                // One connection's failure must not stop the listener (and with it the host).
                socket.Dispose();
                callbackFailed(ex);
            }
        }
    }

    /// <summary>The listener was closed under the accept (shutdown racing the cancellation).</summary>
    private static bool IsListenerClosed(Exception ex) =>
        ex is ObjectDisposedException || ex is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted };
}
