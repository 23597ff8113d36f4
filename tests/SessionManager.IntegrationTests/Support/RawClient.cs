using System.Net.Sockets;

namespace SessionManager.IntegrationTests.Support;

/// <summary>What tests that speak raw bytes to a daemon's port need.</summary>
public static class RawClient
{
    /// <summary>Reads until the daemon closes the connection and returns the bytes it sent; a reset
    /// is a close as well. Fails (OperationCanceledException) if it is still open after 30 s, which
    /// is generous for slow machines and still ends a hung test.</summary>
    public static async Task<int> ReceiveUntilClosedAsync(Socket socket)
    {
        var buffer = new byte[4096];
        int total = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                total += read;
            }
        }
        catch (SocketException)
        {
            // reset by the daemon: closed as well
        }

        return total;
    }
}
