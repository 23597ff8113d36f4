using SessionManager.FdsApi.Logging;
using SessionManager.Icp.Link;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.FdsApi.Handler;
using SessionManager.FdsApi.Server;
using SessionManager.Icp;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.UnitTests.Support;
using Thrift;

namespace SessionManager.UnitTests;

/// <summary>
/// FDSAPI.md "Methods" and "Errors" for the bridged calls: the fdsapi handler called directly,
/// the RDS server played by the fake peer over a real ICP connection.
/// </summary>
public sealed class FdsApiBridgeTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = IcpConnectionHarness.Wait;

    private IcpConnectionHarness _icp = null!;
    private readonly CallFailureSlot _failures = new();
    private FdsApiHandler _handler = null!;

    public async Task InitializeAsync()
    {
        var link = new RdsLink(NullLogger<RdsLink>.Instance);
        _icp = await IcpConnectionHarness.StartAsync(owner: link);
        await _icp.Peer.HandshakeAsync();
        Assert.Same(_icp.Connection, link.Current);
        var deps = new FdsApiDependencies(new RdsClient(link), new IdentitySessionRouting(), new AllowAllCallGate(), new InFlightCalls(), new FdsApiLogLimits(NullLogger<FdsApiLogLimits>.Instance, TimeProvider.System), NullLogger<FdsApiHandler>.Instance);
        _handler = new FdsApiHandler(deps, _failures);
    }

    public async Task DisposeAsync() => await _icp.DisposeAsync();

    private async Task<(RPCBase Request, T Payload)> NextRequestAsync<T>(MsgType expected)
        where T : Google.Protobuf.IMessage<T>, new()
    {
        var request = await _icp.Peer.ReadRequestAsync();
        Assert.Equal((uint)expected, request.MsgType);
        return (request, ProtoReader.Parse<T>(request.Payload, expected.ToString()));
    }

    [Theory]
    [InlineData(false, 0, false, 0u)]
    [InlineData(false, 1, false, 0u)]
    [InlineData(true, 0, false, 0u)]
    [InlineData(true, 1, true, 1u)]
    [InlineData(true, 0x13, true, 0x13u)]
    public async Task Channel_open_is_dynamic_only_when_the_flags_say_so_too(bool isDynChannel, int flags, bool dynamic, uint sentFlags)
    {
        var call = _handler.virtualChannelOpen("token", 5, "echo", isDynChannel, flags);
        var (request, sent) = await NextRequestAsync<VirtualChannelOpenRequest>(MsgType.VirtualChannelOpen);

        Assert.Equal(5u, sent.ConnectionId);
        Assert.Equal("echo", sent.VirtualName);
        Assert.Equal(dynamic, sent.DynamicChannel);
        Assert.Equal(sentFlags, sent.Flags);

        await _icp.Peer.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "/tmp/vc-echo", Instance = 4 });
        var result = await call.WaitAsync(Wait);
        Assert.Equal("/tmp/vc-echo", result.PipeName);
        Assert.Equal(4, result.Instance);
    }

    [Fact]
    public async Task Current_session_minus_one_travels_as_connection_id_0xFFFFFFFF()
    {
        var call = _handler.virtualChannelOpen("token", -1, "echo", false, 0);
        var (request, sent) = await NextRequestAsync<VirtualChannelOpenRequest>(MsgType.VirtualChannelOpen);

        Assert.Equal(0xFFFFFFFFu, sent.ConnectionId);
        await _icp.Peer.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "p", Instance = 0 });
        await call.WaitAsync(Wait);
    }

    [Fact]
    public async Task Channel_open_answer_without_instance_from_a_freerds_era_peer_is_accepted()
    {
        var call = _handler.virtualChannelOpen("token", 2, "echo", false, 0);
        var (request, _) = await NextRequestAsync<VirtualChannelOpenRequest>(MsgType.VirtualChannelOpen);

        await _icp.Peer.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "legacy-pipe" });
        var result = await call.WaitAsync(Wait);

        Assert.Equal("legacy-pipe", result.PipeName);
        Assert.Equal(0, result.Instance);
    }

    [Fact]
    public async Task Failed_answer_becomes_an_internal_error_naming_the_rds_servers_reason()
    {
        var call = _handler.virtualChannelOpen("token", 5, "echo", false, 0);
        var (request, _) = await NextRequestAsync<VirtualChannelOpenRequest>(MsgType.VirtualChannelOpen);

        await _icp.Peer.SendAsync(RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Failed, "no such channel"));

        await Assert.ThrowsAsync<IcpRemoteFailureException>(() => call.WaitAsync(Wait));
        var failure = _failures.Take();
        Assert.NotNull(failure);
        Assert.Equal(TApplicationException.ExceptionType.InternalError, failure.Type);
        Assert.Equal("RDS server failed VirtualChannelOpen: no such channel", failure.Message);
    }

    [Fact]
    public async Task Notfound_answer_becomes_an_internal_error_saying_notfound()
    {
        var call = _handler.virtualChannelClose("token", 5, "echo", 4);
        var (request, _) = await NextRequestAsync<VirtualChannelCloseRequest>(MsgType.VirtualChannelClose);

        await _icp.Peer.SendAsync(RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Notfound, null));

        await Assert.ThrowsAsync<IcpRemoteFailureException>(() => call.WaitAsync(Wait));
        Assert.Contains("NOTFOUND", _failures.Take()?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Definite_no_from_the_rds_server_is_an_ordinary_false()
    {
        var call = _handler.virtualChannelClose("token", 5, "echo", 4);
        var (request, sent) = await NextRequestAsync<VirtualChannelCloseRequest>(MsgType.VirtualChannelClose);
        Assert.Equal(4u, sent.Instance);

        await _icp.Peer.AnswerAsync(request, new VirtualChannelCloseResponse { Success = false });

        Assert.False(await call.WaitAsync(Wait));
        Assert.Null(_failures.Take());
    }

    [Fact]
    public async Task Message_without_wait_answers_idasync_and_is_still_sent()
    {
        var result = await _handler.sendMessage("token", 3, "Title", "Text", 0, 30, wait: false).WaitAsync(Wait);
        var (request, sent) = await NextRequestAsync<MessageRequest>(MsgType.Message);

        Assert.Equal(32001, result);
        Assert.Equal(3u, sent.ConnectionId);
        Assert.Equal(1u, sent.Type);
        Assert.Equal(2u, sent.ParameterNum);
        Assert.Equal("Title", sent.Parameter1);
        Assert.Equal("Text", sent.Parameter2);
        Assert.Equal(30u, sent.Timeout);
        await _icp.Peer.AnswerAsync(request, new MessageResponse { Result = 1 });
    }

    [Fact]
    public async Task Message_with_wait_answers_the_rds_servers_result()
    {
        var call = _handler.sendMessage("token", 3, "Title", "Text", 0, 0, wait: true);
        var (request, _) = await NextRequestAsync<MessageRequest>(MsgType.Message);

        Assert.False(call.IsCompleted);
        await _icp.Peer.AnswerAsync(request, new MessageResponse { Result = 6 });

        Assert.Equal(6, await call.WaitAsync(Wait));
    }

    [Fact]
    public async Task Disconnect_without_wait_answers_true_before_the_rds_server_does()
    {
        var result = await _handler.disconnectSession("token", 8, wait: false).WaitAsync(Wait);
        var (request, sent) = await NextRequestAsync<LogoffUserSessionRequest>(MsgType.LogoffUserSession);

        Assert.True(result);
        Assert.Equal(8u, sent.ConnectionId);
        await _icp.Peer.AnswerAsync(request, new LogoffUserSessionResponse { Loggedoff = false });
    }

    [Fact]
    public async Task Remote_control_sends_the_hotkey_as_its_unsigned_value()
    {
        var call = _handler.startRemoteControlSession("token", 2, 9, unchecked((sbyte)0xA3), 2, 0);
        var (request, sent) = await NextRequestAsync<StartRemoteControlRequest>(MsgType.StartRemoteControl);

        Assert.Equal(2u, sent.ConnectionId);
        Assert.Equal(9u, sent.TargetConnectionId);
        Assert.Equal(0xA3u, sent.HotKeyVk);
        Assert.Equal(2u, sent.HotKeyModifiers);
        Assert.Equal(0u, sent.Flags);
        await _icp.Peer.AnswerAsync(request, new StartRemoteControlResponse { Success = true });
        Assert.True(await call.WaitAsync(Wait));
    }

    [Fact]
    public async Task Connection_lost_during_a_call_names_the_call()
    {
        var call = _handler.virtualChannelOpen("token", 5, "echo", false, 0);
        await NextRequestAsync<VirtualChannelOpenRequest>(MsgType.VirtualChannelOpen);

        _icp.Peer.ShutdownSend();

        await Assert.ThrowsAsync<IcpConnectionLostException>(() => call.WaitAsync(Wait));
        Assert.Equal("RDS connection lost during ICP VirtualChannelOpen: RDS server closed the connection", _failures.Take()?.Message);
    }
}
