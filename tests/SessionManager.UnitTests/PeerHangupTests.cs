using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.Icp;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Link;
using SessionManager.UnitTests.Support;

namespace SessionManager.UnitTests;

/// <summary>
/// Issue 20 item 5c: the link lets go of a holder whose RDS server has closed its end, also when
/// bytes it sent are still unread (the reader may have stopped at Icp:MaxConcurrentRequests), and
/// never of one whose RDS server is still there. Real Unix sockets; the holder's reader is not
/// started, so whatever the peer sends stays unread.
/// </summary>
public sealed class PeerHangupTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = IcpConnectionHarness.Wait;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smhup-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<IAsyncDisposable> _owned = [];

    [Fact]
    public async Task A_peer_that_closed_with_bytes_unread_is_let_go_at_the_next_accept()
    {
        var link = new RdsLink(NullLogger<RdsLink>.Instance);
        var (holder, peer) = await ConnectAsync("a");
        Assert.True(link.TryClaim(holder, out _));

        peer.Send(new byte[] { 0, 0, 0, 9, 1, 2, 3 });
        peer.Close();
        await UntilAsync(() => holder.ProbePeerGone(), "the close is seen although 7 bytes are unread");

        var (next, _) = await ConnectAsync("b");
        Assert.True(link.TryClaim(next, out var live));
        Assert.Null(live);
        Assert.True(holder.IsAborted);
    }

    [Fact]
    public async Task A_peer_still_there_is_not_taken_for_gone_with_or_without_unread_bytes()
    {
        var link = new RdsLink(NullLogger<RdsLink>.Instance);
        var (holder, peer) = await ConnectAsync("a");
        Assert.True(link.TryClaim(holder, out _));
        var (second, _) = await ConnectAsync("b");

        Assert.False(holder.ProbePeerGone());
        Assert.False(link.TryClaim(second, out var live));
        Assert.Same(holder, live);

        peer.Send(new byte[] { 0, 0, 0, 9, 1, 2, 3 });
        await Task.Delay(50);
        Assert.False(holder.ProbePeerGone());
        Assert.False(link.TryClaim(second, out _));
        Assert.False(holder.IsAborted);
    }

    /// <summary>An unstarted connection on the accepted end of a Unix socket, and the peer's end.</summary>
    private async Task<(IcpConnection Connection, Socket Peer)> ConnectAsync(string name)
    {
        Directory.CreateDirectory(_directory);
        string path = Path.Combine(_directory, name);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var accepting = listener.AcceptAsync();
        var peer = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await peer.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(Wait);
        var accepted = await accepting.WaitAsync(Wait);

        var dispatcher = new IcpRequestDispatcher([], EmptyServices.Instance, NullLogger<IcpRequestDispatcher>.Instance);
        var connection = new IcpConnection(new NetworkStream(accepted, ownsSocket: true), PeerCredentials.Unknown, new IcpOptions(), dispatcher, NullLogger.Instance);
        _owned.Add(connection);
        _owned.Add(new SocketOwner(peer));
        return (connection, peer);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(5);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: it lives in the temp directory
        }
    }

    private sealed class SocketOwner(Socket socket) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
