using Google.Protobuf;
using SessionManager.Icp;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Protocol;
using SessionManager.Testing;
using SessionManager.UnitTests.Support;
using static SessionManager.UnitTests.Support.Bytes;

namespace SessionManager.UnitTests;

/// <summary>
/// One ICP connection with the RDS side played by <see cref="FakeRdsPeer"/> over a Unix socket
/// pair: handshake, RDS→SM requests, SM→RDS calls, and every way the connection can end.
/// </summary>
public class IcpConnectionTests
{
    private static readonly TimeSpan Wait = IcpConnectionHarness.Wait;

    private const uint VirtualChannelOpen = (uint)MsgType.VirtualChannelOpen;
    private const uint Ping = (uint)MsgType.Ping;

    private static VirtualChannelOpenRequest OpenRequest(uint connectionId) =>
        new() { ConnectionId = connectionId, VirtualName = "cliprdr", DynamicChannel = false, Flags = 0 };

    private static RPCBase HandshakeRequest(uint tag, uint vmajor, uint vminor) => new()
    {
        Tag = tag,
        IsResponse = false,
        Status = RPCStatus.Success,
        MsgType = IcpMessageTypes.Handshake,
        VersionInfo = new VersionInfo { Vmajor = vmajor, Vminor = vminor },
    };

    /// <summary>Sends an RDS→SM Ping with a known tag and checks the pong that comes back.</summary>
    private static async Task AssertPingAnsweredAsync(IcpConnectionHarness h)
    {
        uint tag = h.Peer.NextTag();
        await h.Peer.SendAsync(RpcMessages.Request(tag, Ping, new PingRequest()));
        var answer = await h.Peer.ReadResponseAsync();
        Assert.Equal(tag, answer.Tag);
        Assert.Equal(RPCStatus.Success, answer.Status);
        Assert.True(ProtoReader.Parse<PingResponse>(answer.Payload, "Ping").Pong);
    }

    [Fact]
    public async Task Handshake_is_answered_with_version_1_1_the_same_tag_and_no_payload()
    {
        await using var h = await IcpConnectionHarness.StartAsync();

        await h.Peer.SendAsync(HandshakeRequest(77, 1, 1));
        var answer = await h.Peer.ReadResponseAsync();

        Assert.True(answer.IsResponse);
        Assert.Equal(77u, answer.Tag);
        Assert.Equal(IcpMessageTypes.Handshake, answer.MsgType);
        Assert.True(answer.HasStatus);
        Assert.Equal(RPCStatus.Success, answer.Status);
        Assert.False(answer.HasPayload);
        Assert.Equal(1u, answer.VersionInfo.Vmajor);
        Assert.Equal(1u, answer.VersionInfo.Vminor);
        Assert.Equal(1u, h.Connection.PeerVersion?.Vmajor);
        await AssertPingAnsweredAsync(h);
    }

    [Fact]
    public async Task Peer_with_a_newer_major_version_is_answered_and_then_closed()
    {
        await using var h = await IcpConnectionHarness.StartAsync();

        await h.Peer.SendAsync(HandshakeRequest(5, 2, 0));
        var answer = await h.Peer.ReadResponseAsync();

        Assert.Equal(5u, answer.Tag);
        Assert.Equal(1u, answer.VersionInfo.Vmajor);
        Assert.IsType<IcpProtocolVersionException>(await h.ClosedAsync());
        await h.Peer.Closed.WaitAsync(Wait);
    }

    [Fact]
    public async Task Legacy_peer_whose_first_request_is_a_ping_is_served()
    {
        await using var h = await IcpConnectionHarness.StartAsync();

        await AssertPingAnsweredAsync(h);

        Assert.Null(h.Connection.PeerVersion);
        Assert.False(h.Connection.Completion.IsCompleted);
    }

    [Fact]
    public async Task Ping_is_answered_pong_true_with_a_full_envelope()
    {
        await using var h = await IcpConnectionHarness.StartAsync();
        await h.Peer.HandshakeAsync();

        await h.Peer.SendAsync(RpcMessages.Request(4242, Ping, new PingRequest()));
        var answer = await h.Peer.ReadResponseAsync();

        Assert.Equal(4242u, answer.Tag);
        Assert.True(answer.IsResponse);
        Assert.Equal(Ping, answer.MsgType);
        Assert.True(answer.HasStatus);
        Assert.True(answer.HasPayload);
        Assert.Equal("0801", ToHex(answer.Payload.Span));
    }

    [Theory]
    [InlineData(3u)]    // GetUserSession, retired
    [InlineData(99u)]
    [InlineData(7u)]    // LogonUser: no handler registered in this test
    public async Task Request_without_a_handler_is_answered_notfound_and_the_connection_stays(uint msgType)
    {
        await using var h = await IcpConnectionHarness.StartAsync();
        await h.Peer.HandshakeAsync();

        await h.Peer.SendAsync(RpcMessages.Request(31, msgType, new PingRequest()));
        var answer = await h.Peer.ReadResponseAsync();

        Assert.Equal(31u, answer.Tag);
        Assert.True(answer.IsResponse);
        Assert.Equal(msgType, answer.MsgType);
        Assert.Equal(RPCStatus.Notfound, answer.Status);
        await AssertPingAnsweredAsync(h);
    }

    [Fact]
    public async Task Call_to_the_rds_server_completes_with_its_answer()
    {
        await using var h = await IcpConnectionHarness.StartAsync();

        var pending = h.Connection.CallAsync(VirtualChannelOpen, OpenRequest(3), default, CancellationToken.None);
        var request = await h.Peer.ReadRequestAsync();

        Assert.False(request.IsResponse);
        Assert.Equal(VirtualChannelOpen, request.MsgType);
        Assert.True(request.HasStatus);
        Assert.Equal(OpenRequest(3), ProtoReader.Parse<VirtualChannelOpenRequest>(request.Payload, "VirtualChannelOpen"));
        Assert.Equal(1, h.Connection.PendingCallCount);

        await h.Peer.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "pipe-3", Instance = 9 });
        var answer = await pending.WaitAsync(Wait);

        Assert.Equal(request.Tag, answer.Tag);
        var parsed = ProtoReader.Parse<VirtualChannelOpenResponse>(answer.Payload, "VirtualChannelOpen");
        Assert.Equal("pipe-3", parsed.ConnectionString);
        Assert.Equal(9u, parsed.Instance);
        Assert.Equal(0, h.Connection.PendingCallCount);
    }

    [Fact]
    public async Task Answers_in_another_order_each_reach_their_own_caller()
    {
        await using var h = await IcpConnectionHarness.StartAsync();
        var pending = new List<Task<RPCBase>>();
        for (uint id = 1; id <= 4; id++)
        {
            pending.Add(h.Connection.CallAsync(VirtualChannelOpen, OpenRequest(id), default, CancellationToken.None));
        }

        var requests = new List<RPCBase>();
        for (int i = 0; i < 4; i++)
        {
            requests.Add(await h.Peer.ReadRequestAsync());
        }

        Assert.Equal(4, requests.Select(r => r.Tag).Distinct().Count());
        foreach (var request in new[] { requests[2], requests[0], requests[3], requests[1] })
        {
            uint id = ProtoReader.Parse<VirtualChannelOpenRequest>(request.Payload, "").ConnectionId;
            await h.Peer.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = $"pipe-{id}", Instance = id });
        }

        for (int i = 0; i < 4; i++)
        {
            var answer = ProtoReader.Parse<VirtualChannelOpenResponse>((await pending[i].WaitAsync(Wait)).Payload, "");
            Assert.Equal($"pipe-{i + 1}", answer.ConnectionString);
        }
    }

    [Fact]
    public async Task Request_from_the_rds_server_is_answered_while_a_call_to_it_is_pending()
    {
        await using var h = await IcpConnectionHarness.StartAsync();
        var pending = h.Connection.CallAsync(VirtualChannelOpen, OpenRequest(1), default, CancellationToken.None);
        var request = await h.Peer.ReadRequestAsync();

        // The RDS server numbers its own requests: a request carrying the tag of our pending
        // call is a request, not that call's answer.
        await h.Peer.SendAsync(RpcMessages.Request(request.Tag, Ping, new PingRequest()));
        var pong = await h.Peer.ReadResponseAsync();
        Assert.Equal(request.Tag, pong.Tag);
        Assert.Equal(Ping, pong.MsgType);
        Assert.False(pending.IsCompleted);

        await h.Peer.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "p", Instance = 1 });
        Assert.Equal(VirtualChannelOpen, (await pending.WaitAsync(Wait)).MsgType);
    }

    [Fact]
    public async Task Response_with_an_unknown_tag_is_ignored_and_the_connection_stays()
    {
        await using var h = await IcpConnectionHarness.StartAsync();

        await h.Peer.SendAsync(RpcMessages.Success(123456, VirtualChannelOpen, new VirtualChannelOpenResponse { ConnectionString = "x", Instance = 1 }));

        await AssertPingAnsweredAsync(h);
        Assert.False(h.Connection.Completion.IsCompleted);
    }

    [Fact]
    public async Task Unanswered_call_times_out_and_its_late_answer_is_dropped()
    {
        await using var h = await IcpConnectionHarness.StartAsync(new IcpOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) });

        var pending = h.Connection.CallAsync(VirtualChannelOpen, OpenRequest(1), default, CancellationToken.None);
        var request = await h.Peer.ReadRequestAsync();
        var ex = await Assert.ThrowsAsync<IcpTimeoutException>(() => pending.WaitAsync(Wait));

        Assert.Equal("ICP VirtualChannelOpen timed out after 200 ms", ex.Message);
        Assert.Equal(0, h.Connection.PendingCallCount);

        // The follow-up call must not race a 200 ms deadline on a busy machine.
        h.Options.RequestTimeout = Wait;
        await h.Peer.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "late", Instance = 1 });
        h.Peer.Answer = StandardRdsAnswers.Answer;
        var next = await (h.Connection.CallAsync(Ping, new PingRequest(), default, CancellationToken.None)).WaitAsync(Wait);

        Assert.Equal(Ping, next.MsgType);
        Assert.True(ProtoReader.Parse<PingResponse>(next.Payload, "Ping").Pong);
        Assert.False(h.Connection.Completion.IsCompleted);
    }

    [Fact]
    public async Task Call_cancelled_by_its_caller_ends_and_leaves_no_pending_entry()
    {
        await using var h = await IcpConnectionHarness.StartAsync();
        using var cts = new CancellationTokenSource();

        var pending = h.Connection.CallAsync(VirtualChannelOpen, OpenRequest(1), default, cts.Token);
        await h.Peer.ReadRequestAsync();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Wait));
        Assert.Equal(0, h.Connection.PendingCallCount);
        Assert.False(h.Connection.Completion.IsCompleted);
    }

    [Fact]
    public async Task Connection_loss_fails_every_pending_call()
    {
        // A long call timeout: only the connection loss can end these calls within the test's wait.
        await using var h = await IcpConnectionHarness.StartAsync(new IcpOptions { RequestTimeout = TimeSpan.FromMinutes(5) });
        var pending = new List<Task<RPCBase>>();
        for (uint id = 1; id <= 3; id++)
        {
            pending.Add(h.Connection.CallAsync(VirtualChannelOpen, OpenRequest(id), default, CancellationToken.None));
            await h.Peer.ReadRequestAsync();
        }

        Assert.Equal(3, h.Connection.PendingCallCount);

        h.Peer.ShutdownSend();

        foreach (var call in pending)
        {
            var ex = await Assert.ThrowsAsync<IcpConnectionLostException>(() => call.WaitAsync(Wait));
            Assert.Equal("RDS connection lost during ICP VirtualChannelOpen: RDS server closed the connection", ex.Message);
        }

        Assert.IsType<EndOfStreamException>(await h.ClosedAsync());
        Assert.Equal(0, h.Connection.PendingCallCount);
    }

    [Fact]
    public async Task Frame_above_the_limit_closes_the_connection()
    {
        await using var h = await IcpConnectionHarness.StartAsync(new IcpOptions { MaxFrameBytes = 1024 });

        await h.Peer.SendRawAsync(Hex("00 10 00 00")); // 1 MiB announced, none of it sent

        var reason = Assert.IsType<IcpProtocolException>(await h.ClosedAsync());
        Assert.Equal(IcpProtocolError.FrameTooLarge, reason.Error);
        Assert.Equal(0x100000u, reason.Length);
        await h.Peer.Closed.WaitAsync(Wait);
    }

    [Fact]
    public async Task Truncated_frame_followed_by_end_of_stream_closes_the_connection()
    {
        await using var h = await IcpConnectionHarness.StartAsync();
        var frame = Frame(RpcMessages.Request(1, Ping, new PingRequest()));

        await h.Peer.SendRawAsync(frame.AsMemory(0, frame.Length - 2));
        h.Peer.ShutdownSend();

        var reason = Assert.IsType<IcpProtocolException>(await h.ClosedAsync());
        Assert.Equal(IcpProtocolError.TruncatedFrame, reason.Error);
    }

    [Fact]
    public async Task Malformed_frame_closes_the_connection()
    {
        await using var h = await IcpConnectionHarness.StartAsync();

        await h.Peer.SendRawAsync(Hex("00 00 00 02 08 FF"));

        var reason = Assert.IsType<IcpProtocolException>(await h.ClosedAsync());
        Assert.Equal(IcpProtocolError.MalformedFrame, reason.Error);
    }

    [Fact]
    public async Task End_of_stream_between_frames_is_a_clean_close()
    {
        await using var h = await IcpConnectionHarness.StartAsync();
        await AssertPingAnsweredAsync(h);

        h.Peer.ShutdownSend();

        Assert.IsType<EndOfStreamException>(await h.ClosedAsync());
    }

    [Fact]
    public async Task Calls_after_abort_fail_at_once()
    {
        await using var h = await IcpConnectionHarness.StartAsync();
        var reason = new IOException("listener stopping");

        h.Connection.Abort(reason);
        var ex = Assert.Throws<IcpConnectionLostException>(() => { _ = h.Connection.CallAsync(Ping, new PingRequest(), default); });

        Assert.Equal("RDS connection lost during ICP Ping: listener stopping", ex.Message);
        Assert.Same(reason, await h.ClosedAsync());
        await h.Peer.Closed.WaitAsync(Wait);
    }

    [Fact]
    public async Task Slow_handler_does_not_delay_the_answer_to_a_later_request()
    {
        var slow = new GatedHandler((uint)MsgType.DisconnectUserSession);
        await using var h = await IcpConnectionHarness.StartAsync(null, null, null, slow.Registration);

        await h.Peer.SendAsync(RpcMessages.Request(10, (uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 5 }));
        await slow.Entered.Task.WaitAsync(Wait);
        await h.Peer.SendAsync(RpcMessages.Request(11, Ping, new PingRequest()));

        var first = await h.Peer.ReadResponseAsync();
        Assert.Equal(11u, first.Tag);
        Assert.Equal(Ping, first.MsgType);

        slow.Release.SetResult(new DisconnectUserSessionResponse { Disconnected = true });
        var second = await h.Peer.ReadResponseAsync();

        Assert.Equal(10u, second.Tag);
        Assert.Equal(RPCStatus.Success, second.Status);
        Assert.True(ProtoReader.Parse<DisconnectUserSessionResponse>(second.Payload, "").Disconnected);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Handler_that_throws_is_answered_failed_without_revealing_the_exception(bool throwsSynchronously)
    {
        var failing = new ThrowingHandler((uint)MsgType.IsChannelAllowed, throwsSynchronously, "channel policy unavailable");
        await using var h = await IcpConnectionHarness.StartAsync(null, null, null, failing.Registration);

        await h.Peer.SendAsync(RpcMessages.Request(20, (uint)MsgType.IsChannelAllowed, new IsChannelAllowedRequest { ChannelName = "rdpdr" }));
        var answer = await h.Peer.ReadResponseAsync();

        Assert.Equal(20u, answer.Tag);
        Assert.True(answer.IsResponse);
        Assert.Equal(RPCStatus.Failed, answer.Status);
        Assert.Equal("internal error in the session manager", answer.ErrorDescription);
        await AssertPingAnsweredAsync(h);
    }

    /// <summary>Answers only when the test releases it.</summary>
    private sealed class GatedHandler(uint msgType) : IIcpRequestHandler<DisconnectUserSessionRequest, DisconnectUserSessionResponse>
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<DisconnectUserSessionResponse> Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IcpHandlerRegistration Registration => new IcpHandlerInstance<DisconnectUserSessionRequest, DisconnectUserSessionResponse>(msgType, this);

        public async ValueTask<IcpAnswer<DisconnectUserSessionResponse>> HandleAsync(DisconnectUserSessionRequest request, IcpRequestContext context)
        {
            Entered.TrySetResult();
            return await Release.Task.WaitAsync(context.LinkClosed);
        }
    }

    private sealed class ThrowingHandler(uint msgType, bool synchronously, string message) : IIcpRequestHandler<IsChannelAllowedRequest, IsChannelAllowedResponse>
    {
        public IcpHandlerRegistration Registration => new IcpHandlerInstance<IsChannelAllowedRequest, IsChannelAllowedResponse>(msgType, this);

        public ValueTask<IcpAnswer<IsChannelAllowedResponse>> HandleAsync(IsChannelAllowedRequest request, IcpRequestContext context) =>
            synchronously ? throw new InvalidOperationException(message) : FailLaterAsync();

        private async ValueTask<IcpAnswer<IsChannelAllowedResponse>> FailLaterAsync()
        {
            await Task.Yield();
            throw new InvalidOperationException(message);
        }
    }
}
