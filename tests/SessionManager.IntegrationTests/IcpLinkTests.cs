using System.Collections.Concurrent;
using Serilog.Events;
using SessionManager.FdsApi.Generated;
using SessionManager.Icp;
using SessionManager.Icp.Link;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;
using Thrift;

namespace SessionManager.IntegrationTests;

/// <summary>The RDS link as a real RDS server uses it: reconnects, readiness, limits, shutdown.</summary>
public sealed class IcpLinkTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Thirty_close_then_connect_cycles_without_delay_are_each_served_at_once()
    {
        await using var daemon = await Daemon.StartAsync();

        for (int cycle = 0; cycle < 30; cycle++)
        {
            // No polling for the old link to go: the reconnect comes right after the close.
            var (rds, answer) = await FakeRdsPeer.ConnectWithHandshakeAsync(daemon.SocketPath).WaitAsync(Patience);
            Assert.Equal(IcpMessageTypes.Handshake, answer.MsgType);
            await rds.DisposeAsync();
        }

        Assert.Empty(daemon.Logs.WithEventName("SecondConnectionRejected"));
        await using var last = await daemon.ConnectRdsAsync(standardAnswers: true);
        using var client = await daemon.ClientAsync();
        Assert.Equal("vc:4:ch", (await client.virtualChannelOpen("", 4, "ch", false, 0)).PipeName);
    }

    [Fact]
    public async Task Link_events_number_each_link_and_tell_a_reconnect_from_the_first_connect()
    {
        await using var daemon = await Daemon.StartAsync();
        var events = new ConcurrentQueue<RdsLinkEvent>();
        using var subscription = daemon.Rds.Link.Subscribe(e =>
        {
            events.Enqueue(e);
            return ValueTask.CompletedTask;
        });

        var first = await daemon.ConnectRdsAsync();
        await first.DisposeAsync();
        await using var second = await daemon.ConnectRdsAsync();
        await Wait.UntilAsync(() => events.Count == 3, "three link events");

        Assert.Equal(
            [(RdsLinkEventKind.Attached, 1L), (RdsLinkEventKind.Detached, 1L), (RdsLinkEventKind.Attached, 2L)],
            events.Select(e => (e.Kind, e.Generation)));
        Assert.Equal("RDS server closed the connection", events.ElementAt(1).Reason);
        Assert.Equal(1u, events.First().PeerVersion!.Vmajor);
    }

    [Fact]
    public async Task No_request_reaches_an_RDS_peer_before_its_handshake_answer()
    {
        await using var daemon = await Daemon.StartAsync();
        await using var rds = await FakeRdsPeer.ConnectAsync(daemon.SocketPath);
        await Wait.UntilAsync(() => daemon.Rds.Link.Holder is not null, "the connection is accepted");
        using var client = await daemon.ClientAsync();

        var early = await Assert.ThrowsAsync<TApplicationException>(() => client.virtualChannelOpen("", 2, "early", false, 0));

        Assert.Equal("RDS server not connected", early.Message);
        var answer = await rds.HandshakeAsync();
        Assert.Equal(IcpMessageTypes.Handshake, answer.MsgType);
        rds.Answer = StandardRdsAnswers.Answer;
        Assert.Equal("vc:2:late", (await client.virtualChannelOpen("", 2, "late", false, 0)).PipeName);
    }

    [Fact]
    public async Task A_message_larger_than_the_frame_limit_fails_alone_and_large_ones_below_it_go_through_together()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:MaxFrameBytes=8388608");
        await using var rds = await daemon.ConnectRdsAsync(standardAnswers: true);

        using (var client = await daemon.ClientAsync())
        {
            var tooLarge = await Assert.ThrowsAsync<TApplicationException>(() => client.sendMessage("", 3, "big", new string('x', 1_200_000), 0, 0, true));
            Assert.Matches(@"^ICP Message not sent: its frame of \d+ bytes is larger than Icp:MaxFrameBytes \(1048576\)$", tooLarge.Message);
        }

        // Four clients at once, each with almost a megabyte: frames wait behind each other's
        // writes, which is not an RDS server that stopped reading.
        var calls = Enumerable.Range(0, 4).Select(async i =>
        {
            using var client = await daemon.ClientAsync();
            return await client.sendMessage("", 10 + i, "title", new string((char)('a' + i), 900_000), 0, 0, true);
        }).ToList();
        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, r => Assert.Equal(1, r));
        Assert.Equal(4, results.Length);

        Assert.True(daemon.Rds.IsConnected);
        Assert.Empty(daemon.Logs.WithEventName("RdsDisconnected"));
    }

    [Fact]
    public async Task A_message_box_may_stay_open_longer_than_the_request_timeout()
    {
        await using var daemon = await Daemon.StartAsync("Icp:RequestTimeout=00:00:01");
        await using var rds = await daemon.ConnectRdsAsync();
        using var waiting = await daemon.ClientAsync();
        using var notWaiting = await daemon.ClientAsync();

        var answer = waiting.sendMessage("", 5, "Question", "Still there?", 4, 30, true);
        var boxWaited = await rds.ReadRequestAsync();
        Assert.Equal(32001, await notWaiting.sendMessage("", 5, "Note", "no timeout", 0, 0, false));
        var boxNotWaited = await rds.ReadRequestAsync();

        // The user clicks after twice the request timeout.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(answer.IsCompleted);
        await rds.AnswerAsync(boxWaited, new MessageResponse { Result = 6 });

        Assert.Equal(6, await answer.WaitAsync(Patience));
        Assert.Empty(daemon.Logs.WithEventName("CallTimedOut"));
        await rds.AnswerAsync(boxNotWaited, new MessageResponse { Result = 1 });
        var outcome = await daemon.Logs.WaitForAsync("UnawaitedOutcome");
        Assert.Equal("result 1", outcome.Properties["Outcome"].ToString().Trim('"'));
    }

    [Fact]
    public async Task Past_the_pending_call_limit_a_thrift_call_fails_at_once_naming_it()
    {
        // The per-session and per-token bounds must be less than the table's (checked at start).
        await using var daemon = await Daemon.StartAsync("Icp:MaxPendingCalls=2", "Icp:MaxPendingCallsPerSession=1", "Icp:MaxPendingCallsPerToken=1");
        await using var rds = await daemon.ConnectRdsAsync();
        using var a = await daemon.ClientAsync();
        using var b = await daemon.ClientAsync();
        using var c = await daemon.ClientAsync();

        var first = a.virtualChannelOpen("", 1, "one", false, 0);
        var second = b.virtualChannelOpen("", 2, "two", false, 0);
        var requests = new[] { await rds.ReadRequestAsync(), await rds.ReadRequestAsync() };
        var third = await Assert.ThrowsAsync<TApplicationException>(() => c.virtualChannelOpen("", 3, "three", false, 0));

        Assert.Contains("2 calls are already waiting for the RDS server (Icp:MaxPendingCalls)", third.Message, StringComparison.Ordinal);
        foreach (var request in requests)
        {
            await rds.SendAsync(StandardRdsAnswers.Answer(request));
        }

        Assert.Equal("vc:1:one", (await first.WaitAsync(Patience)).PipeName);
        Assert.Equal("vc:2:two", (await second.WaitAsync(Patience)).PipeName);
    }

    [Fact]
    public async Task A_peer_whose_uid_is_not_allowed_is_closed_before_its_handshake()
    {
        await using var daemon = await Daemon.StartAsync("Icp:AllowedUids:0=4242");
        await using var rds = await FakeRdsPeer.ConnectAsync(daemon.SocketPath);

        await rds.Closed.WaitAsync(Patience);

        var refused = await daemon.Logs.WaitForAsync("PeerUidRefused");
        Assert.Equal($"{Environment.ProcessId}", refused.Properties["Peer"].ToString().Split(' ')[1]);
        Assert.False(daemon.Rds.IsConnected);
        Assert.Empty(daemon.Logs.WithEventName("HandshakeCompleted"));
    }

    [Fact]
    public async Task An_allowed_uid_list_that_names_ours_is_served()
    {
        await using var daemon = await Daemon.StartAsync("Icp:AllowedUids:0=4242", $"Icp:AllowedUids:1={Environment.GetEnvironmentVariable("SUDO_UID") ?? "0"}");
        var (rds, answer) = await FakeRdsPeer.ConnectWithHandshakeAsync(daemon.SocketPath);
        await using var _ = rds;

        Assert.Equal(IcpMessageTypes.Handshake, answer.MsgType);
    }

    [Fact]
    public async Task An_empty_uid_list_lets_anyone_connect_and_says_so_at_start()
    {
        await using var daemon = await Daemon.StartAsync("Icp:AllowedUids=*");
        var (rds, answer) = await FakeRdsPeer.ConnectWithHandshakeAsync(daemon.SocketPath);
        await using var _ = rds;

        Assert.Equal(IcpMessageTypes.Handshake, answer.MsgType);
        Assert.Single(daemon.Logs.WithEventName("AnyUidAllowed"));
    }

    [Fact]
    public async Task A_peer_flooding_unknown_tags_and_types_cannot_flood_the_log()
    {
        await using var daemon = await Daemon.StartAsync();
        await using var rds = await daemon.ConnectRdsAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        for (uint i = 0; i < 1000; i++)
        {
            await rds.SendAsync(Icp.Framing.RpcMessages.Success(900_000 + i, (uint)MsgType.VirtualChannelOpen, new VirtualChannelOpenResponse { ConnectionString = "", Instance = 0 }));
            await rds.SendAsync(Icp.Framing.RpcMessages.Request(800_000 + i, 77, new PingRequest()));
        }

        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(RPCStatus.Notfound, (await rds.ReadResponseAsync()).Status);
        }

        // At most 10 lines of each per one-second window, then one line counting the rest. The
        // windows are the limiter's, not this test's: a flood of any length can touch one more
        // window than whole seconds it lasted, plus one (a 48 ms flood across a window end: 20).
        double allowed = 10 * (Math.Floor(clock.Elapsed.TotalSeconds) + 2);
        Assert.InRange(daemon.Logs.WithEventName("UnknownTagResponse").Count(), 10, allowed);
        Assert.InRange(daemon.Logs.WithEventName("NoHandler").Count(), 10, allowed);
        var suppressed = await daemon.Logs.WaitForAsync("IcpLinesSuppressed", TimeSpan.FromSeconds(5));
        Assert.True(daemon.Rds.IsConnected);
        Assert.NotNull(suppressed);
    }

    [Fact]
    public async Task Requests_whose_payload_does_not_parse_are_answered_FAILED_without_flooding_the_log_with_errors()
    {
        // Found by the fuzz run (issue 8): each such request was an Error line with a stack trace.
        await using var daemon = await Daemon.StartAsync();
        await using var rds = await daemon.ConnectRdsAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        for (uint i = 0; i < 300; i++)
        {
            await rds.SendAsync(new RPCBase
            {
                Tag = 700_000 + i, IsResponse = false, Status = RPCStatus.Success, MsgType = (uint)MsgType.IsChannelAllowed,
                Payload = Google.Protobuf.ByteString.CopyFrom(0x00), // field number 0: never valid protobuf
            });
        }

        for (int i = 0; i < 300; i++)
        {
            var answer = await rds.ReadResponseAsync();
            Assert.Equal(RPCStatus.Failed, answer.Status);
            Assert.StartsWith("unreadable request: ", answer.ErrorDescription, StringComparison.Ordinal);
        }

        Assert.Empty(daemon.Logs.WithEventName("HandlerFailed"));
        // 10 lines per 1 s window; the windows are fixed (they began at the daemon's start), so a
        // run that crosses a window's end sees up to 10 on each side of it (seen in CI: 20 in 36 ms).
        Assert.InRange(daemon.Logs.WithEventName("UnreadableRequest").Count(), 1, 10 * (Math.Floor(clock.Elapsed.TotalSeconds) + 2));
        Assert.True(daemon.Rds.IsConnected);
    }

    [Theory]
    [InlineData("127.0.0.1", "optional", false)]
    [InlineData("0.0.0.0", "optional", true)]
    [InlineData("0.0.0.0", "off", true)]
    [InlineData("0.0.0.0", "required", false)]
    public async Task Listening_beyond_loopback_while_serving_plain_clients_is_warned_about(string address, string tls, bool warned)
    {
        await using var daemon = await Daemon.StartAsync($"FdsApi:Address={address}", $"FdsApi:Tls={tls}");

        Assert.Equal(warned, daemon.Logs.WithEventName("ClearTextBeyondLoopback").Any());
    }

    [Fact]
    public async Task Stopping_cleanly_logs_no_error()
    {
        for (int run = 0; run < 3; run++)
        {
            var daemon = await Daemon.StartAsync();
            await using var rds = await daemon.ConnectRdsAsync(standardAnswers: true);
            using (var client = await daemon.ClientAsync())
            {
                Assert.Equal(1, await client.ping(1));
            }

            await daemon.DisposeAsync();

            Assert.Empty(daemon.Logs.Events.Where(e => e.Level >= LogEventLevel.Error).Select(e => e.RenderMessage()));
        }
    }
}
