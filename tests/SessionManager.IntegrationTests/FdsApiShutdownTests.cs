using System.Net.Sockets;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using Thrift;
using Thrift.Transport;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Stopping the daemon (what SIGTERM does, in process): stop reading first, let calls in progress
/// finish within FdsApi:ShutdownGracePeriod, answer the rest "shutting down" on the wire.
/// </summary>
public sealed class FdsApiShutdownTests
{
    [Fact]
    public async Task A_call_still_running_when_the_grace_period_ends_is_answered_shutting_down_on_the_wire()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:ShutdownGracePeriod=00:00:00.300", "Icp:RequestTimeout=00:01:00");
        await using var rds = await daemon.ConnectRdsAsync();
        using var client = await daemon.ClientAsync();
        var pending = client.virtualChannelOpen("", 1, "rdpdr", false, 0);
        await rds.ReadRequestAsync(); // the RDS server never answers it

        var stopping = daemon.StopAsync();

        var ex = await Assert.ThrowsAsync<TApplicationException>(() => pending.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(TApplicationException.ExceptionType.InternalError, ex.Type);
        Assert.Contains("shutting down", ex.Message, StringComparison.Ordinal);
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        await daemon.Logs.WaitForAsync("DrainTimedOut");
    }

    [Fact]
    public async Task An_idle_client_is_closed_at_once_while_a_call_in_progress_finishes_with_its_real_answer()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:ShutdownGracePeriod=00:00:30");
        await using var rds = await daemon.ConnectRdsAsync();
        using var idle = await daemon.ClientAsync();
        Assert.Equal(1, await idle.ping(1));
        using var busy = await daemon.ClientAsync();
        var pending = busy.virtualChannelOpen("", 1, "rdpdr", false, 0);
        var request = await rds.ReadRequestAsync();

        var stopping = daemon.StopAsync();
        await daemon.Logs.WaitForAsync("Draining");

        // Long before the 30 s grace ends: the idle client is not kept waiting for the busy one.
        await daemon.Logs.WaitForAsync("ClosedAtShutdown");
        await Assert.ThrowsAnyAsync<TTransportException>(() => idle.ping(2).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.False(stopping.IsCompleted, "shutdown waits for the call in progress");

        await rds.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "finished", Instance = 1 });
        Assert.Equal("finished", (await pending.WaitAsync(TimeSpan.FromSeconds(20))).PipeName);
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Empty(daemon.Logs.WithEventName("DrainTimedOut"));
    }

    [Fact]
    public async Task After_its_reply_a_client_is_not_read_again_so_it_cannot_extend_the_shutdown()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:ShutdownGracePeriod=00:00:30");
        await using var rds = await daemon.ConnectRdsAsync();
        using var first = await daemon.ClientAsync();
        using var second = await daemon.ClientAsync();
        var firstCall = first.virtualChannelOpen("", 1, "one", false, 0);
        var secondCall = second.virtualChannelOpen("", 2, "two", false, 0);
        var requests = new[] { await rds.ReadRequestAsync(), await rds.ReadRequestAsync() }
            .ToDictionary(r => VirtualChannelOpenRequest.Parser.ParseFrom(r.Payload).VirtualName);

        var stopping = daemon.StopAsync();
        await daemon.Logs.WaitForAsync("Draining");
        await rds.AnswerAsync(requests["one"], new VirtualChannelOpenResponse { ConnectionString = "last", Instance = 1 });
        Assert.Equal("last", (await firstCall.WaitAsync(TimeSpan.FromSeconds(20))).PipeName);

        // While shutdown still waits for the second call, the first client's next call is not
        // taken: its connection closes instead of answering it.
        await Assert.ThrowsAnyAsync<TTransportException>(() => first.ping(3).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.False(stopping.IsCompleted, "shutdown waits for the second call");

        await rds.AnswerAsync(requests["two"], new VirtualChannelOpenResponse { ConnectionString = "also", Instance = 2 });
        Assert.Equal("also", (await secondCall.WaitAsync(TimeSpan.FromSeconds(20))).PipeName);
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// A client idle after a call is closed with a FIN, not a reset: nothing of the departure
    /// watch may still be pending on its socket when shutdown closes it (that makes the close abortive).
    /// </summary>
    [Fact]
    public async Task At_shutdown_a_client_idle_after_a_call_is_closed_without_a_reset()
    {
        await using var daemon = await Daemon.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, daemon.Port);
        byte[] ping =
        [
            0x00, 0x00, 0x00, 0x18, // frame
            0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, (byte)'p', (byte)'i', (byte)'n', (byte)'g', 0x00, 0x00, 0x00, 0x00,
            0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, // input = 1, stop
        ];
        await socket.SendAsync(ping, SocketFlags.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await socket.ReceiveAsync(new byte[256], SocketFlags.None, timeout.Token) > 0);

        await daemon.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));

        var reset = await Record.ExceptionAsync(async () => Assert.Equal(0, await socket.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token)));
        Assert.Null(reset);
    }

    [Fact]
    public async Task A_client_half_way_through_a_message_does_not_hold_up_the_shutdown()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:FrameTimeout=00:01:00");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, daemon.Port);
        await socket.SendAsync(new byte[] { 0x00, 0x00, 0x00, 0x40, 0x80, 0x01 }, SocketFlags.None);
        await Task.Delay(200);

        await daemon.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));

        // Closed by the daemon well before the one-minute frame timeout.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            Assert.Equal(0, await socket.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token));
        }
        catch (SocketException)
        {
            // reset: closed as well
        }
    }
}
