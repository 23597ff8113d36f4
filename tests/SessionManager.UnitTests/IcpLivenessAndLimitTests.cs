using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SessionManager.Icp;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Link;
using SessionManager.Icp.Protocol;
using SessionManager.UnitTests.Support;

namespace SessionManager.UnitTests;

/// <summary>
/// The link's liveness (heartbeat on a fake clock), readiness (nothing of ours before the
/// handshake answer), its limits, and what typed handlers can answer.
/// </summary>
public class IcpLivenessAndLimitTests
{
    private static readonly TimeSpan Wait = IcpConnectionHarness.Wait;

    private static VirtualChannelOpenRequest OpenRequest(uint connectionId) =>
        new() { ConnectionId = connectionId, VirtualName = "cliprdr", DynamicChannel = false, Flags = 0 };

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task An_idle_link_is_pinged_and_a_peer_that_stops_answering_is_dropped_failing_every_pending_call()
    {
        var time = new FakeTimeProvider();
        var options = new IcpOptions { PingInterval = TimeSpan.FromSeconds(10), PingTimeout = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromMinutes(5) };
        await using var h = await IcpConnectionHarness.StartAsync(options, time);
        await h.Peer.HandshakeAsync();

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, h.Connection.PendingCallCount);

        // Idle for the interval: a Ping goes out; answered, the link stays.
        time.Advance(TimeSpan.FromSeconds(2));
        var ping = await h.Peer.ReadRequestAsync();
        Assert.Equal((uint)MsgType.Ping, ping.MsgType);
        await h.Peer.AnswerAsync(ping, new PingResponse { Pong = true });
        await UntilAsync(() => h.Connection.PendingCallCount == 0, "the pong is taken");

        // A call the RDS server never answers, then a Ping it never answers either.
        var pending = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(3), default);
        Assert.Equal((uint)MsgType.VirtualChannelOpen, (await h.Peer.ReadRequestAsync()).MsgType);
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal((uint)MsgType.Ping, (await h.Peer.ReadRequestAsync()).MsgType);
        Assert.False(h.Connection.IsAborted);

        time.Advance(TimeSpan.FromSeconds(6));

        var reason = await h.ClosedAsync();
        Assert.IsType<IcpPeerUnresponsiveException>(reason);
        Assert.StartsWith("RDS server stopped answering", reason.Message, StringComparison.Ordinal);
        var lost = await Assert.ThrowsAsync<IcpConnectionLostException>(() => pending.WaitAsync(Wait));
        Assert.Contains("RDS server stopped answering", lost.Message, StringComparison.Ordinal);
        await h.Peer.Closed.WaitAsync(Wait);
    }

    [Fact]
    public async Task No_ping_is_sent_before_the_handshake()
    {
        var time = new FakeTimeProvider();
        await using var h = await IcpConnectionHarness.StartAsync(new IcpOptions(), time);

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, h.Connection.PendingCallCount);
        Assert.False(h.Connection.IsAborted);
    }

    [Fact]
    public async Task Until_its_handshake_is_answered_a_connection_is_not_the_current_link()
    {
        var link = new RdsLink(NullLogger<RdsLink>.Instance);
        await using var h = await IcpConnectionHarness.StartAsync(owner: link);
        var rds = new RdsClient(link);

        Assert.Same(h.Connection, link.Holder);
        Assert.Null(link.Current);
        var early = await Assert.ThrowsAsync<IcpNotConnectedException>(() => rds.CallAsync<PingResponse>(MsgType.Ping, new PingRequest()));
        Assert.Equal("RDS server not connected", early.Message);

        var answer = await h.Peer.HandshakeAsync();

        // Ready in the same step as the answer was queued: no wait needed here.
        Assert.Equal(IcpMessageTypes.Handshake, answer.MsgType);
        Assert.Same(h.Connection, link.Current);
        Assert.Equal(1, link.Generation);
        var call = rds.CallAsync<PingResponse>(MsgType.Ping, new PingRequest());
        var request = await h.Peer.ReadRequestAsync();
        await h.Peer.AnswerAsync(request, new PingResponse { Pong = true });
        Assert.True((await call.WaitAsync(Wait)).Pong);
    }

    [Fact]
    public async Task A_legacy_peer_becomes_the_current_link_with_its_first_request()
    {
        var link = new RdsLink(NullLogger<RdsLink>.Instance);
        await using var h = await IcpConnectionHarness.StartAsync(owner: link);

        var pong = await h.Peer.RequestAsync((uint)MsgType.Ping, new PingRequest());

        Assert.Equal(RPCStatus.Success, pong.Status);
        Assert.Same(h.Connection, link.Current);
    }

    [Fact]
    public async Task A_call_whose_frame_is_larger_than_the_limit_fails_alone_and_the_link_goes_on()
    {
        await using var h = await IcpConnectionHarness.StartAsync(new IcpOptions { MaxFrameBytes = 4096 });
        var big = new MessageRequest { ConnectionId = 1, Type = 1, Style = 0, Timeout = 0, ParameterNum = 2, Parameter1 = "t", Parameter2 = new string('x', 5000) };

        var ex = Assert.Throws<IcpLimitException>(() => { _ = h.Connection.CallAsync((uint)MsgType.Message, big, default); });

        Assert.Matches(@"^ICP Message not sent: its frame of \d+ bytes is larger than Icp:MaxFrameBytes \(4096\)$", ex.Message);
        Assert.Equal(0, h.Connection.PendingCallCount);
        var call = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(2), default);
        var request = await h.Peer.ReadRequestAsync();
        await h.Peer.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "p", Instance = 1 });
        Assert.Equal(RPCStatus.Success, (await call.WaitAsync(Wait)).Status);
    }

    [Fact]
    public async Task Past_the_pending_call_limit_a_call_fails_at_once()
    {
        await using var h = await IcpConnectionHarness.StartAsync(new IcpOptions { MaxPendingCalls = 2 });
        var first = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(1), default);
        var second = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(2), default);

        var ex = Assert.Throws<IcpLimitException>(() => { _ = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(3), default); });

        Assert.Contains("2 calls are already waiting for the RDS server (Icp:MaxPendingCalls)", ex.Message, StringComparison.Ordinal);
        Assert.False(first.IsCompleted || second.IsCompleted);
    }

    [Fact]
    public async Task A_message_box_waits_for_its_own_timeout_not_the_request_timeout()
    {
        var time = new FakeTimeProvider();
        await using var h = await IcpConnectionHarness.StartAsync(new IcpOptions { RequestTimeout = TimeSpan.FromSeconds(10) }, time);
        var box = new MessageRequest { ConnectionId = 1, Type = 1, Style = 0, Timeout = 60, ParameterNum = 2, Parameter1 = "t", Parameter2 = "m" };
        var forever = new MessageRequest(box) { Timeout = 0 };

        var boxCall = h.Connection.CallAsync((uint)MsgType.Message, box, new IcpCallOptions { Timeout = IcpCallOptions.MessageBoxWait(box.Timeout) });
        var foreverCall = h.Connection.CallAsync((uint)MsgType.Message, forever, new IcpCallOptions { Timeout = IcpCallOptions.MessageBoxWait(forever.Timeout) });
        var plain = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(1), default);
        for (int i = 0; i < 3; i++)
        {
            await h.Peer.ReadRequestAsync();
        }

        time.Advance(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<IcpTimeoutException>(() => plain.WaitAsync(Wait));
        Assert.False(boxCall.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(36));
        var timedOut = await Assert.ThrowsAsync<IcpTimeoutException>(() => boxCall.WaitAsync(Wait));
        Assert.Equal("ICP Message timed out after 65 s", timedOut.Message);

        // A box without a timeout holds its call for Icp:MessageBoxMaxWait (10 min) and the margin, not for ever.
        time.Advance(TimeSpan.FromSeconds(600 - 66));
        Assert.False(foreverCall.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(6));
        var ceilingPassed = await Assert.ThrowsAsync<IcpTimeoutException>(() => foreverCall.WaitAsync(Wait));
        Assert.Equal("ICP Message timed out after 605 s", ceilingPassed.Message);
        Assert.Equal(0, h.Connection.PendingCallCount);
    }

    [Fact]
    public async Task A_full_pending_call_table_does_not_stop_the_heartbeat()
    {
        var time = new FakeTimeProvider();
        var options = new IcpOptions { MaxPendingCalls = 2, PingInterval = TimeSpan.FromSeconds(10), PingTimeout = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromMinutes(5) };
        await using var h = await IcpConnectionHarness.StartAsync(options, time);
        await h.Peer.HandshakeAsync();
        var first = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(1), default);
        var second = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(2), default);
        await h.Peer.ReadRequestAsync().WaitAsync(Wait);
        await h.Peer.ReadRequestAsync().WaitAsync(Wait);
        Assert.Throws<IcpLimitException>(() => { _ = h.Connection.CallAsync((uint)MsgType.VirtualChannelOpen, OpenRequest(3), default); });

        // The RDS server answers nothing: the Ping still goes out, and its silence still ends the link.
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal((uint)MsgType.Ping, (await h.Peer.ReadRequestAsync().WaitAsync(Wait)).MsgType);
        time.Advance(TimeSpan.FromSeconds(6));

        Assert.IsType<IcpPeerUnresponsiveException>(await h.ClosedAsync());
        await Assert.ThrowsAsync<IcpConnectionLostException>(() => first.WaitAsync(Wait));
        await Assert.ThrowsAsync<IcpConnectionLostException>(() => second.WaitAsync(Wait));
    }

    [Fact]
    public async Task Past_the_concurrent_request_limit_the_reader_waits_for_a_free_slot_and_drops_nothing()
    {
        var gate = new CountingGate();
        await using var h = await IcpConnectionHarness.StartAsync(new IcpOptions { MaxConcurrentRequests = 2 }, null, null,
            new IcpHandlerInstance<DisconnectUserSessionRequest, DisconnectUserSessionResponse>((uint)MsgType.DisconnectUserSession, gate));

        for (uint tag = 10; tag < 13; tag++)
        {
            await h.Peer.SendAsync(RpcMessages.Request(tag, (uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = tag }));
        }

        await h.Peer.SendAsync(RpcMessages.Request(20, (uint)MsgType.Ping, new PingRequest()));
        await UntilAsync(() => gate.Entered == 2, "two handlers run");

        // The third request and the Ping behind it wait: the reader does not read past the limit.
        await Task.Delay(200);
        Assert.Equal(2, gate.Entered);
        Assert.False(h.Peer.HasUnreadResponse);

        gate.Release.SetResult();
        var tags = new List<uint>();
        for (int i = 0; i < 4; i++)
        {
            tags.Add((await h.Peer.ReadResponseAsync()).Tag);
        }

        Assert.Equal([10u, 11u, 12u, 20u], tags.Order());
        Assert.Equal(3, gate.Entered);
    }

    [Theory]
    [InlineData(RPCStatus.Failed, "no such connection")]
    [InlineData(RPCStatus.Notfound, null)]
    public async Task A_typed_handler_can_answer_failed_or_notfound_explicitly(RPCStatus status, string? description)
    {
        var handler = new ExplicitAnswerHandler(status, description);
        await using var h = await IcpConnectionHarness.StartAsync(null, null, null,
            new IcpHandlerInstance<DisconnectUserSessionRequest, DisconnectUserSessionResponse>((uint)MsgType.DisconnectUserSession, handler));

        var answer = await h.Peer.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 9 });

        Assert.Equal(status, answer.Status);
        Assert.Equal(description ?? "", answer.ErrorDescription);
        Assert.Equal(9u, handler.SeenConnectionId);
        Assert.Equal(answer.Tag, handler.SeenTag);
    }

    private sealed class CountingGate : IIcpRequestHandler<DisconnectUserSessionRequest, DisconnectUserSessionResponse>
    {
        private int _entered;

        public int Entered => Volatile.Read(ref _entered);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<IcpAnswer<DisconnectUserSessionResponse>> HandleAsync(DisconnectUserSessionRequest request, IcpRequestContext context)
        {
            Interlocked.Increment(ref _entered);
            await Release.Task.WaitAsync(context.LinkClosed);
            return new DisconnectUserSessionResponse { Disconnected = true };
        }
    }

    private sealed class ExplicitAnswerHandler(RPCStatus status, string? description) : IIcpRequestHandler<DisconnectUserSessionRequest, DisconnectUserSessionResponse>
    {
        public uint SeenConnectionId { get; private set; }

        public uint SeenTag { get; private set; }

        public ValueTask<IcpAnswer<DisconnectUserSessionResponse>> HandleAsync(DisconnectUserSessionRequest request, IcpRequestContext context)
        {
            SeenConnectionId = request.ConnectionId;
            SeenTag = context.Tag;
            return ValueTask.FromResult(status == RPCStatus.Failed
                ? IcpAnswer.Failed<DisconnectUserSessionResponse>(description!)
                : IcpAnswer.NotFound<DisconnectUserSessionResponse>());
        }
    }
}
