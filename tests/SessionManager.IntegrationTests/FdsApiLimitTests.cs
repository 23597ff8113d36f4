using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Serilog.Events;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;
using Thrift.Transport;

namespace SessionManager.IntegrationTests;

/// <summary>
/// The bounds a client cannot push past: frame size, connection count, time to finish a begun
/// message; and the log lines such clients trigger are rate-limited.
/// </summary>
[Collection(AllocationSensitive.Name)]
public sealed class FdsApiLimitTests
{
    [Fact]
    public async Task A_header_announcing_more_than_the_limit_is_refused_before_a_buffer_of_that_size_is_allocated()
    {
        await using var daemon = await Daemon.StartAsync();
        using var socket = await ConnectRawAsync(daemon);

        // 16,000,000 bytes: under Thrift's own 16,384,000 default, so only our limit refuses it.
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        await socket.SendAsync(new byte[] { 0x00, 0xF4, 0x24, 0x00, 0x80, 0x01, 0x00, 0x01 }, SocketFlags.None);
        await RawClient.ReceiveUntilClosedAsync(socket);
        var line = await daemon.Logs.WaitForAsync("FrameTooLarge");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        Assert.Equal("16000000", line.Properties["FrameBytes"].ToString());
        Assert.Equal("65536", line.Properties["MaxFrameBytes"].ToString());
        Assert.True(allocated < 8_000_000, $"{allocated} bytes allocated while refusing the frame");
    }

    [Fact]
    public async Task The_frame_limit_is_configurable_and_a_message_within_it_is_served()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:MaxFrameBytes=2048");
        await using var rds = await daemon.ConnectRdsAsync(standardAnswers: true);
        using var small = await daemon.ClientAsync();
        var name = new string('a', 1500);
        Assert.Equal($"vc:1:{name}", (await small.virtualChannelOpen("", 1, name, false, 0)).PipeName);

        using var large = await daemon.ClientAsync();
        await Assert.ThrowsAnyAsync<TTransportException>(() => large.virtualChannelOpen("", 1, new string('b', 3000), false, 0));
        var line = await daemon.Logs.WaitForAsync("FrameTooLarge");
        Assert.Equal("2048", line.Properties["MaxFrameBytes"].ToString());
        Assert.Equal(1, await small.ping(1));
    }

    [Fact]
    public async Task Past_MaxConnections_a_new_client_is_closed_at_once_and_a_slot_frees_when_a_client_leaves()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:MaxConnections=3");
        var clients = new List<SessionManager.FdsApi.Generated.fdsapi.Client>();
        for (int i = 0; i < 3; i++)
        {
            var client = await daemon.ClientAsync();
            Assert.Equal(i, await client.ping(i));
            clients.Add(client);
        }

        using (var fourth = await ConnectRawAsync(daemon))
        {
            await RawClient.ReceiveUntilClosedAsync(fourth);
        }

        var line = await daemon.Logs.WaitForAsync("ConnectionLimitReached");
        Assert.Equal("3", line.Properties["MaxConnections"].ToString());
        Assert.Equal(2, await clients[2].ping(2)); // the three served are not disturbed

        clients[0].Dispose();
        var next = await ConnectWhenServedAsync(daemon);
        Assert.Equal(7, await next.ping(7));
        next.Dispose();
        clients[1].Dispose();
        clients[2].Dispose();
    }

    [Fact]
    public async Task A_half_sent_frame_is_dropped_after_the_frame_timeout_while_idle_and_busy_clients_keep_working()
    {
        var timeout = TimeSpan.FromSeconds(1);
        await using var daemon = await Daemon.StartAsync("FdsApi:FrameTimeout=00:00:01");
        using var idle = await daemon.ClientAsync();
        using var busy = await daemon.ClientAsync();
        using var stalled = await ConnectRawAsync(daemon);

        // A 100-byte frame of which only 2 body bytes come.
        var sent = Stopwatch.StartNew();
        await stalled.SendAsync(new byte[] { 0x00, 0x00, 0x00, 0x64, 0x80, 0x01 }, SocketFlags.None);
        var closed = RawClient.ReceiveUntilClosedAsync(stalled);
        int calls = 0;
        while (!closed.IsCompleted)
        {
            Assert.Equal(calls, await busy.ping(calls));
            calls++;
            await Task.Delay(20);
        }

        await closed;
        Assert.True(sent.Elapsed >= timeout * 0.9, $"closed after {sent.Elapsed}, before the {timeout} timeout");
        var line = await daemon.Logs.WaitForAsync("HalfSentMessage");
        Assert.Equal("6", line.Properties["ReceivedBytes"].ToString());
        Assert.Equal("1000", line.Properties["TimeoutMs"].ToString());

        // The idle client has waited longer than the timeout and is still served.
        Assert.Equal(5, await idle.ping(5));
        Assert.Equal(6, await busy.ping(6));
    }

    [Fact]
    public async Task A_half_sent_unframed_message_is_dropped_after_the_frame_timeout()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:FrameTimeout=00:00:01");
        using var stalled = await ConnectRawAsync(daemon);

        // Strict binary "ping" call: version, then the name's length (4) and only "pi".
        await stalled.SendAsync(new byte[] { 0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, (byte)'p', (byte)'i' }, SocketFlags.None);
        await RawClient.ReceiveUntilClosedAsync(stalled);
        await daemon.Logs.WaitForAsync("HalfSentMessage");

        using var client = await daemon.ClientAsync(framed: false);
        Assert.Equal(9, await client.ping(9));
    }

    [Fact]
    public async Task A_thousand_refused_clients_produce_a_bounded_number_of_lines_and_a_count_of_the_rest()
    {
        const int refused = 1000;
        await using var daemon = await Daemon.StartAsync();
        var flood = Stopwatch.StartNew();
        var request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, refused), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            using var socket = await ConnectRawAsync(daemon);
            await socket.SendAsync(request, SocketFlags.None);
            await RawClient.ReceiveUntilClosedAsync(socket);
        });
        var windows = (int)Math.Ceiling(flood.Elapsed.TotalSeconds) + 1;

        // Every refused client is either a line or counted in a summary (the last one comes when its second ends).
        int Lines() => daemon.Logs.WithEventName("ClientRefused").Count();
        int Suppressed() => daemon.Logs.WithEventName("LinesSuppressed")
            .Where(e => e.Properties["EventName"] is ScalarValue { Value: "ClientRefused" })
            .Sum(e => int.Parse(e.Properties["Suppressed"].ToString(), System.Globalization.CultureInfo.InvariantCulture));
        await Wait.UntilAsync(() => Lines() + Suppressed() == refused, $"{refused} refusals are accounted for (lines {Lines()}, suppressed {Suppressed()})");

        Assert.InRange(Lines(), 1, 10 * windows);
        Assert.True(Suppressed() >= refused - (10 * windows));
    }

    private static async Task<Socket> ConnectRawAsync(Daemon daemon)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, daemon.Port);
        return socket;
    }

    /// <summary>A departed client's slot is freed as its connection task ends: retry until it is.</summary>
    private static async Task<SessionManager.FdsApi.Generated.fdsapi.Client> ConnectWhenServedAsync(Daemon daemon)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var client = await daemon.ClientAsync();
            try
            {
                await client.ping(0);
                return client;
            }
            catch (Exception ex) when (ex is TTransportException or IOException && DateTime.UtcNow < deadline)
            {
                client.Dispose();
                await Task.Delay(50);
            }
        }
    }
}

/// <summary>Tests that measure allocations run alone, so other tests' allocations do not count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationSensitive
{
    public const string Name = "allocation-sensitive";
}
