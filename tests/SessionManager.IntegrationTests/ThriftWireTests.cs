using System.Net.Sockets;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>One port, every wire format real clients use; the mistakes it cannot serve are named.</summary>
public sealed class ThriftWireTests : IAsyncLifetime
{
    private Daemon _daemon = null!;
    private FakeRdsPeer _rds = null!;

    public async Task InitializeAsync()
    {
        // A short frame timeout, so the half-sent header below is dropped quickly.
        _daemon = await Daemon.StartAsync("FdsApi:FrameTimeout=00:00:01");
        _rds = await _daemon.ConnectRdsAsync(standardAnswers: true);
    }

    public async Task DisposeAsync()
    {
        await _rds.DisposeAsync();
        await _daemon.DisposeAsync();
    }

    [Theory]
    [InlineData(true, false, null)]
    [InlineData(false, false, "UnframedBinary")]
    [InlineData(true, true, "FramedCompact")]
    [InlineData(false, true, "UnframedCompact")]
    public async Task Framed_and_unframed_binary_and_compact_clients_are_all_served(bool framed, bool compact, string? loggedAs)
    {
        using var client = await _daemon.ClientAsync(framed, compact);
        var result = await client.virtualChannelOpen("", 11, "rdpdr", true, 1);
        Assert.Equal("vc:11:rdpdr", result.PipeName);
        Assert.Equal(7, result.Instance);
        Assert.Equal(123, await client.ping(123));
        if (loggedAs is not null)
        {
            var line = await _daemon.Logs.WaitForAsync("NonCanonicalWireFormat");
            Assert.Contains(loggedAs, line.RenderMessage(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(_daemon.Logs.WithEventName("NonCanonicalWireFormat"));
        }
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP request")]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "HTTP request")]
    public async Task HTTP_clients_are_closed_promptly_with_the_mistake_named(string firstBytes, string mistake)
    {
        using var socket = await ConnectRawAsync();
        await socket.SendAsync(firstBytes.Select(c => (byte)c).ToArray(), SocketFlags.None);
        Assert.Equal(0, await RawClient.ReceiveUntilClosedAsync(socket));
        var refused = await _daemon.Logs.WaitForAsync("ClientRefused");
        Assert.Contains(mistake, refused.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Random_bytes_on_the_Thrift_port_close_that_connection_only()
    {
        var random = new Random(1234);
        for (int i = 0; i < 20; i++)
        {
            var junk = new byte[random.Next(1, 300)];
            random.NextBytes(junk);
            using var socket = await ConnectRawAsync();
            await socket.SendAsync(junk, SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            await RawClient.ReceiveUntilClosedAsync(socket);
        }

        using var client = await _daemon.ClientAsync();
        Assert.Equal("vc:1:ok", (await client.virtualChannelOpen("", 1, "ok", false, 0)).PipeName);
    }

    [Fact]
    public async Task A_frame_above_the_limit_closes_the_connection()
    {
        using var socket = await ConnectRawAsync();
        await socket.SendAsync(new byte[] { 0x00, 0xFF, 0xFF, 0xFF, 0x80, 0x01, 0x00, 0x01 }, SocketFlags.None);
        await RawClient.ReceiveUntilClosedAsync(socket);
        await _daemon.Logs.WaitForAsync("FrameTooLarge");
    }

    [Fact]
    public async Task A_half_sent_header_is_dropped_after_the_frame_timeout()
    {
        using var socket = await ConnectRawAsync();
        await socket.SendAsync(new byte[] { 0x00, 0x00 }, SocketFlags.None);
        await RawClient.ReceiveUntilClosedAsync(socket);
        await _daemon.Logs.WaitForAsync("HalfSentMessage");
    }

    [Fact]
    public async Task An_idle_connection_is_kept_open()
    {
        using var socket = await ConnectRawAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var receive = socket.ReceiveAsync(new byte[1], SocketFlags.None);
        await Task.Delay(200);
        Assert.False(receive.IsCompleted, "the daemon must not close an idle client");
    }

    [Fact]
    public async Task A_client_that_leaves_before_its_answer_does_not_disturb_the_daemon()
    {
        _rds.Answer = null;
        var client = await _daemon.ClientAsync();
        var abandoned = client.virtualChannelOpen("", 21, "gone", false, 0);
        var request = await _rds.ReadRequestAsync();
        client.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => abandoned);

        // The answer arrives for a client that is gone: the reply write fails quietly.
        await _rds.AnswerAsync(request, new SessionManager.Icp.Protocol.VirtualChannelOpenResponse { ConnectionString = "late", Instance = 1 });
        await Wait.UntilAsync(() => _daemon.Rds.Current!.PendingCallCount == 0, "the pending call is done");

        _rds.Answer = StandardRdsAnswers.Answer;
        using var next = await _daemon.ClientAsync();
        Assert.Equal("vc:22:next", (await next.virtualChannelOpen("", 22, "next", false, 0)).PipeName);
    }

    private async Task<Socket> ConnectRawAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, _daemon.Port);
        return socket;
    }
}
