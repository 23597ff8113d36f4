using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>Each bridged fdsapi method, through a real Thrift client, the daemon and a fake RDS server.</summary>
public sealed class BridgedMethodTests : IAsyncLifetime
{
    private Daemon _daemon = null!;
    private FakeRdsPeer _rds = null!;

    public async Task InitializeAsync()
    {
        _daemon = await Daemon.StartAsync();
        _rds = await _daemon.ConnectRdsAsync();
    }

    public async Task DisposeAsync()
    {
        await _rds.DisposeAsync();
        await _daemon.DisposeAsync();
    }

    [Theory]
    [InlineData(true, 1, true, 1u)]      // dynamic: flag set and asked for
    [InlineData(true, 0x11, true, 0x11u)] // other flag bits travel with a dynamic channel
    [InlineData(true, 0, false, 0u)]     // asked for dynamic, flags do not say so: static
    [InlineData(false, 1, false, 0u)]    // static: flags are not sent
    public async Task VirtualChannelOpen_sends_the_dynamic_flag_rule_and_returns_the_pipe(bool isDyn, int flags, bool expectDynamic, uint expectFlags)
    {
        using var client = await _daemon.ClientAsync();
        var call = client.virtualChannelOpen("token", 42, "rdpdr", isDyn, flags);

        var request = await _rds.ReadRequestAsync();
        Assert.Equal((uint)MsgType.VirtualChannelOpen, request.MsgType);
        Assert.False(request.IsResponse);
        var open = VirtualChannelOpenRequest.Parser.ParseFrom(request.Payload);
        Assert.Equal(42u, open.ConnectionId);
        Assert.Equal("rdpdr", open.VirtualName);
        Assert.Equal(expectDynamic, open.DynamicChannel);
        Assert.Equal(expectFlags, open.Flags);
        Assert.True(open.HasDynamicChannel && open.HasFlags, "required fields are on the wire even when false/0");

        await _rds.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "/tmp/ogon_vc_42_rdpdr", Instance = 3 });
        var result = await call;
        Assert.Equal("/tmp/ogon_vc_42_rdpdr", result.PipeName);
        Assert.Equal(3, result.Instance);
    }

    [Fact]
    public async Task WTS_CURRENT_SESSION_travels_as_0xFFFFFFFF_and_a_large_instance_comes_back_as_its_bits()
    {
        using var client = await _daemon.ClientAsync();
        var call = client.virtualChannelOpen("", -1, "cliprdr", false, 0);
        var request = await _rds.ReadRequestAsync();
        Assert.Equal(0xFFFFFFFFu, VirtualChannelOpenRequest.Parser.ParseFrom(request.Payload).ConnectionId);
        await _rds.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "p", Instance = 0xFFFFFFFE });
        Assert.Equal(-2, (await call).Instance);
    }

    [Fact]
    public async Task VirtualChannelOpen_from_a_FreeRDS_era_peer_without_instance_gets_instance_0()
    {
        using var client = await _daemon.ClientAsync();
        var call = client.virtualChannelOpen("", 1, "rdpsnd", false, 0);
        var request = await _rds.ReadRequestAsync();
        await _rds.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "legacy-pipe" });
        var result = await call;
        Assert.Equal("legacy-pipe", result.PipeName);
        Assert.Equal(0, result.Instance);
    }

    [Fact]
    public async Task VirtualChannelOpen_refused_by_the_RDS_server_is_an_empty_pipe_name_and_is_logged()
    {
        using var client = await _daemon.ClientAsync();
        var call = client.virtualChannelOpen("", 5, "nosuch", false, 0);
        var request = await _rds.ReadRequestAsync();
        await _rds.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "", Instance = 0 });
        Assert.Equal("", (await call).PipeName);
        await _daemon.Logs.WaitForAsync("CallRefused");
    }

    [Fact]
    public async Task VirtualChannelClose_sends_name_and_instance_and_returns_the_answer()
    {
        using var client = await _daemon.ClientAsync();
        var call = client.virtualChannelClose("", 7, "rdpdr", 9);
        var request = await _rds.ReadRequestAsync();
        Assert.Equal((uint)MsgType.VirtualChannelClose, request.MsgType);
        var close = VirtualChannelCloseRequest.Parser.ParseFrom(request.Payload);
        Assert.Equal((7u, "rdpdr", 9u), (close.ConnectionId, close.VirtualName, close.Instance));
        await _rds.AnswerAsync(request, new VirtualChannelCloseResponse { Success = false });
        Assert.False(await call);
    }

    [Theory]
    [InlineData("disconnectSession")]
    [InlineData("logoffSession")]
    public async Task Disconnect_and_logoff_with_wait_send_ICP_5_and_return_the_answer(string method)
    {
        using var client = await _daemon.ClientAsync();
        var call = method == "disconnectSession" ? client.disconnectSession("", 12, true) : client.logoffSession("", 12, true);
        var request = await _rds.ReadRequestAsync();
        Assert.Equal((uint)MsgType.LogoffUserSession, request.MsgType);
        Assert.Equal(12u, LogoffUserSessionRequest.Parser.ParseFrom(request.Payload).ConnectionId);
        Assert.False(call.IsCompleted, "wait = true waits for the RDS server");
        await _rds.AnswerAsync(request, new LogoffUserSessionResponse { Loggedoff = true });
        Assert.True(await call);
    }

    [Theory]
    [InlineData("disconnectSession")]
    [InlineData("logoffSession")]
    public async Task Disconnect_and_logoff_without_wait_answer_true_once_sent_and_log_the_outcome(string method)
    {
        using var client = await _daemon.ClientAsync();
        bool result = method == "disconnectSession" ? await client.disconnectSession("", 13, false) : await client.logoffSession("", 13, false);
        Assert.True(result);

        var request = await _rds.ReadRequestAsync();
        Assert.Equal((uint)MsgType.LogoffUserSession, request.MsgType);
        await _rds.AnswerAsync(request, new LogoffUserSessionResponse { Loggedoff = false });
        var outcome = await _daemon.Logs.WaitForAsync("UnawaitedOutcome");
        Assert.Contains("not logged off", outcome.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendMessage_with_wait_sends_a_type_1_message_and_returns_the_result()
    {
        using var client = await _daemon.ClientAsync();
        var call = client.sendMessage("", 3, "Title", "Body text", 0x40, 30, true);
        var request = await _rds.ReadRequestAsync();
        Assert.Equal((uint)MsgType.Message, request.MsgType);
        var message = MessageRequest.Parser.ParseFrom(request.Payload);
        Assert.Equal(3u, message.ConnectionId);
        Assert.Equal(1u, message.Type);
        Assert.Equal(0x40u, message.Style);
        Assert.Equal(30u, message.Timeout);
        Assert.Equal(2u, message.ParameterNum);
        Assert.Equal("Title", message.Parameter1);
        Assert.Equal("Body text", message.Parameter2);
        Assert.False(message.HasParameter3);
        await _rds.AnswerAsync(request, new MessageResponse { Result = 6 }); // IDYES
        Assert.Equal(6, await call);
    }

    [Fact]
    public async Task SendMessage_without_wait_still_sends_and_answers_IDASYNC_at_once()
    {
        using var client = await _daemon.ClientAsync();
        Assert.Equal(32001, await client.sendMessage("", 3, "t", "m", 0, 0, false));
        var request = await _rds.ReadRequestAsync();
        Assert.Equal("m", MessageRequest.Parser.ParseFrom(request.Payload).Parameter2);
        await _rds.AnswerAsync(request, new MessageResponse { Result = 1 });
        await _daemon.Logs.WaitForAsync("UnawaitedOutcome");
    }

    [Fact]
    public async Task StartRemoteControl_converts_the_hotkey_to_unsigned_values()
    {
        using var client = await _daemon.ClientAsync();
        var call = client.startRemoteControlSession("", 4, 9, unchecked((sbyte)0xBB), unchecked((short)0x8002), 0x10);
        var request = await _rds.ReadRequestAsync();
        Assert.Equal((uint)MsgType.StartRemoteControl, request.MsgType);
        var start = StartRemoteControlRequest.Parser.ParseFrom(request.Payload);
        Assert.Equal(4u, start.ConnectionId);
        Assert.Equal(9u, start.TargetConnectionId);
        Assert.Equal(0xBBu, start.HotKeyVk);
        Assert.Equal(0x8002u, start.HotKeyModifiers);
        Assert.Equal(0x10u, start.Flags);
        await _rds.AnswerAsync(request, new StartRemoteControlResponse { Success = true });
        Assert.True(await call);
    }

    [Fact]
    public async Task StopRemoteControl_sends_the_source_connection()
    {
        using var client = await _daemon.ClientAsync();
        var call = client.stopRemoteControlSession("", 4, 9);
        var request = await _rds.ReadRequestAsync();
        Assert.Equal((uint)MsgType.StopRemoteControl, request.MsgType);
        Assert.Equal(4u, StopRemoteControlRequest.Parser.ParseFrom(request.Payload).ConnectionId);
        await _rds.AnswerAsync(request, new StopRemoteControlResponse { Success = true });
        Assert.True(await call);
    }

    [Fact]
    public async Task Ping_and_getVersionInfo_are_answered_locally()
    {
        using var client = await _daemon.ClientAsync();
        Assert.Equal(-77, await client.ping(-77));
        var version = await client.getVersionInfo(new() { VersionMajor = 1, VersionMinor = 0 });
        Assert.Equal((1, 1), (version.VersionMajor, version.VersionMinor));
    }

    [Fact]
    public async Task Requests_carry_status_SUCCESS_and_a_fresh_tag_each()
    {
        using var client = await _daemon.ClientAsync();
        _rds.Answer = null;
        var first = client.ping(1);
        Assert.Equal(1, await first);

        var a = client.virtualChannelClose("", 1, "a", 1);
        var ra = await _rds.ReadRequestAsync();
        await _rds.AnswerAsync(ra, new VirtualChannelCloseResponse { Success = true });
        await a;
        var b = client.virtualChannelClose("", 1, "b", 1);
        var rb = await _rds.ReadRequestAsync();
        await _rds.AnswerAsync(rb, new VirtualChannelCloseResponse { Success = true });
        await b;

        Assert.NotEqual(ra.Tag, rb.Tag);
        Assert.True(ra.HasStatus && ra.Status == RPCStatus.Success && ra.HasIsResponse);
        Assert.Equal(RpcMessages.Request(ra.Tag, ra.MsgType, new VirtualChannelCloseRequest()).Status, ra.Status);
    }
}
