using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace SessionManager.IntegrationTests.Support;

/// <summary>
/// systemd's side of sd_notify(3), without systemd (never booted on test machines): a Unix
/// datagram socket whose path the daemon gets as NOTIFY_SOCKET; every datagram it sends is kept.
/// </summary>
public sealed class NotifySocketDouble : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly Channel<string> _received = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _all = [];

    public NotifySocketDouble(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _ = ReceiveAsync();
    }

    public string Path { get; }

    /// <summary>Every message so far, in order.</summary>
    public IReadOnlyList<string> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    public int Count(string message) => All.Count(m => m == message);

    /// <summary>The next message (they are read in order).</summary>
    public async Task<string> NextAsync(TimeSpan timeout) => await _received.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                string message = Encoding.UTF8.GetString(buffer, 0, n);
                lock (_all)
                {
                    _all.Add(message);
                }

                _received.Writer.TryWrite(message);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }
}
