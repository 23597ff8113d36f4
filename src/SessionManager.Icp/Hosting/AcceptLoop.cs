using System.Net.Sockets;

namespace SessionManager.Icp.Hosting;

/// <summary>The accept loop both listeners share: until stopped, hand each new socket over.</summary>
public static class AcceptLoop
{
    public static async Task RunAsync(Socket listener, Action<Socket> accepted, Action<SocketException> failed, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return; // stopping: the listener was closed or the accept cancelled
            }
            catch (SocketException ex)
            {
                // e.g. out of file descriptors: back off rather than spin.
                failed(ex);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                continue;
            }

            accepted(socket);
        }
    }
}
