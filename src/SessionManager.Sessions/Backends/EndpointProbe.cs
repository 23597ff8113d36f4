using System.Net.Sockets;
using SessionManager.Icp.Connection;
using SessionManager.Sessions.Launcher;

namespace SessionManager.Sessions.Backends;

/// <summary>
/// Waits until a backend's endpoint is there for the RDS server, which gives it only 20 ms
/// (SESSIONS.md §2.3): the socket exists, accepts, and the process listening on it runs as the
/// backend's uid (SO_PEERCRED of our probe connection; so a socket another user slipped in
/// is never handed to the RDS).
/// </summary>
public static class EndpointProbe
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <param name="timeoutName">the setting <paramref name="timeout"/> comes from, named when it runs out.</param>
    /// <exception cref="BackendStartException">not ready within <paramref name="timeout"/>, the backend exited, or a stranger listens there.</exception>
    public static async Task WaitAsync(string path, uint expectedUid, Task<int> exited, TimeSpan timeout, string timeoutName, TimeProvider time, CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        while (true)
        {
            if (exited.IsCompleted)
            {
                throw new BackendStartException($"the backend exited (status {await exited}) before its endpoint {path} was ready");
            }

            if (File.Exists(path) && TryConnect(path, out var listener))
            {
                if (listener.Uid != expectedUid)
                {
                    throw new BackendStartException($"the endpoint {path} is served by uid {listener.Uid}, not the backend's uid {expectedUid}");
                }

                return;
            }

            if (time.GetElapsedTime(started) >= timeout)
            {
                throw new BackendStartException(
                    $"the backend did not create its endpoint {path} within {timeoutName} ({timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s)");
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    private static bool TryConnect(string path, out PeerCredentials listener)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            listener = PeerCredentials.Of(probe);
            return true;
        }
        catch (SocketException)
        {
            listener = PeerCredentials.Unknown;
            return false;
        }
    }
}
