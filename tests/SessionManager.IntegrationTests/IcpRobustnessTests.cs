using System.Buffers.Binary;
using SessionManager.Icp;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>The ICP side under misbehaving or unusual RDS peers, over the real Unix socket.</summary>
public sealed class IcpRobustnessTests : IAsyncLifetime
{
    private Daemon _daemon = null!;

    public async Task InitializeAsync() => _daemon = await Daemon.StartAsync();

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    [Fact]
    public async Task Handshake_is_answered_with_version_1_1_and_no_payload()
    {
        var (rds, answer) = await FakeRdsPeer.ConnectWithHandshakeAsync(_daemon.SocketPath, 1, 0);
        await using var _ = rds;
        Assert.True(answer.IsResponse);
        Assert.Equal(IcpMessageTypes.Handshake, answer.MsgType);
        Assert.Equal(RPCStatus.Success, answer.Status);
        Assert.Equal((1u, 1u), (answer.VersionInfo.Vmajor, answer.VersionInfo.Vminor));
        Assert.False(answer.HasPayload);
        await _daemon.Logs.WaitForAsync("HandshakeCompleted");
    }

    [Fact]
    public async Task A_peer_with_a_newer_major_version_is_answered_then_closed()
    {
        var (rds, answer) = await FakeRdsPeer.ConnectWithHandshakeAsync(_daemon.SocketPath, 2, 0);
        await using var _ = rds;
        Assert.Equal(1u, answer.VersionInfo.Vmajor);
        await rds.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        await _daemon.Logs.WaitForAsync("PeerVersionTooNew");
    }

    [Fact]
    public async Task A_legacy_peer_without_handshake_is_served()
    {
        await using var rds = await FakeRdsPeer.ConnectAsync(_daemon.SocketPath);
        var pong = await rds.RequestAsync((uint)MsgType.Ping, new PingRequest());
        Assert.Equal(RPCStatus.Success, pong.Status);
        Assert.True(PingResponse.Parser.ParseFrom(pong.Payload).Pong);
        await _daemon.Logs.WaitForAsync("LegacyPeer");

        rds.Answer = StandardRdsAnswers.Answer;
        using var client = await _daemon.ClientAsync();
        Assert.Equal("vc:8:x", (await client.virtualChannelOpen("", 8, "x", false, 0)).PipeName);
    }

    [Fact]
    public async Task A_second_RDS_connection_is_closed_at_once_and_the_live_one_is_undisturbed()
    {
        await using var live = await _daemon.ConnectRdsAsync(standardAnswers: true);
        await using var second = await FakeRdsPeer.ConnectAsync(_daemon.SocketPath);
        await second.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        var rejected = await _daemon.Logs.WaitForAsync("SecondConnectionRejected");
        Assert.Contains($"pid {Environment.ProcessId}", rejected.RenderMessage(), StringComparison.Ordinal);

        using var client = await _daemon.ClientAsync();
        Assert.Equal("vc:1:still", (await client.virtualChannelOpen("", 1, "still", false, 0)).PipeName);
    }

    [Theory]
    [InlineData(3u)]    // GetUserSession: retired
    [InlineData(18u)]   // LogonInfo: SM→RDS only
    [InlineData(999u)]  // unknown
    public async Task Requests_without_a_handler_are_answered_NOTFOUND_and_the_connection_stays(uint msgType)
    {
        await using var rds = await _daemon.ConnectRdsAsync();
        var answer = await rds.RequestAsync(msgType, new PingRequest());
        Assert.True(answer.IsResponse);
        Assert.Equal(msgType, answer.MsgType);
        Assert.Equal(RPCStatus.Notfound, answer.Status);

        var pong = await rds.RequestAsync((uint)MsgType.Ping, new PingRequest());
        Assert.True(PingResponse.Parser.ParseFrom(pong.Payload).Pong);
    }

    [Fact]
    public async Task A_response_with_an_unknown_tag_is_logged_and_dropped()
    {
        await using var rds = await _daemon.ConnectRdsAsync(standardAnswers: true);
        await rds.SendAsync(SessionManager.Icp.Framing.RpcMessages.Success(424242, (uint)MsgType.VirtualChannelOpen, new VirtualChannelOpenResponse { ConnectionString = "x", Instance = 1 }));
        var dropped = await _daemon.Logs.WaitForAsync("UnknownTagResponse");
        Assert.Equal("424242", dropped.Properties["Tag"].ToString());

        using var client = await _daemon.ClientAsync();
        Assert.Equal("vc:2:y", (await client.virtualChannelOpen("", 2, "y", false, 0)).PipeName);
    }

    [Fact]
    public async Task A_frame_longer_than_the_limit_closes_the_connection_and_is_logged_with_its_length()
    {
        await using var rds = await _daemon.ConnectRdsAsync();
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x7FFFFFF0);
        await rds.SendRawAsync(header);
        await rds.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        var error = await _daemon.Logs.WaitForAsync("ProtocolError");
        Assert.Equal("FrameTooLarge", error.Properties["ProtocolError"].ToString().Trim('"'));
        Assert.Equal(0x7FFFFFF0u.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Properties["FrameLength"].ToString());
        await Wait.UntilAsync(() => !_daemon.Rds.IsConnected, "the connection is dropped");
    }

    [Fact]
    public async Task A_frame_that_is_not_an_RPCBase_closes_the_connection()
    {
        await using var rds = await _daemon.ConnectRdsAsync();
        byte[] garbage = [0, 0, 0, 6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        await rds.SendRawAsync(garbage);
        await rds.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        var error = await _daemon.Logs.WaitForAsync("ProtocolError");
        Assert.Equal("MalformedFrame", error.Properties["ProtocolError"].ToString().Trim('"'));
    }

    [Fact]
    public async Task A_truncated_frame_then_EOF_is_logged_and_the_next_RDS_connection_is_served()
    {
        var rds = await _daemon.ConnectRdsAsync();
        byte[] partial = [0, 0, 0, 20, 8, 1];
        await rds.SendRawAsync(partial);
        rds.ShutdownSend();
        var error = await _daemon.Logs.WaitForAsync("ProtocolError");
        Assert.Equal("TruncatedFrame", error.Properties["ProtocolError"].ToString().Trim('"'));
        await rds.DisposeAsync();

        await Wait.UntilAsync(() => !_daemon.Rds.IsConnected, "the old connection is gone");
        await using var next = await _daemon.ConnectRdsAsync(standardAnswers: true);
        using var client = await _daemon.ClientAsync();
        Assert.Equal("vc:3:z", (await client.virtualChannelOpen("", 3, "z", false, 0)).PipeName);
    }

    [Fact]
    public async Task Random_bytes_from_an_RDS_peer_never_take_the_daemon_down()
    {
        var random = new Random(4321);
        for (int i = 0; i < 30; i++)
        {
            var junk = new byte[random.Next(1, 400)];
            random.NextBytes(junk);
            if (i % 2 == 0)
            {
                junk[0] = 0; // a plausible length prefix, so the body reaches the protobuf parser
                junk[1] = 0;
            }

            var rds = await FakeRdsPeer.ConnectAsync(_daemon.SocketPath);
            await rds.SendRawAsync(junk);
            rds.ShutdownSend();
            await rds.Closed.WaitAsync(TimeSpan.FromSeconds(10));
            await rds.DisposeAsync();
            await Wait.UntilAsync(() => !_daemon.Rds.IsConnected, "the junk connection is gone");
        }

        await using var good = await _daemon.ConnectRdsAsync(standardAnswers: true);
        using var client = await _daemon.ClientAsync();
        Assert.Equal("vc:9:after", (await client.virtualChannelOpen("", 9, "after", false, 0)).PipeName);
    }

    [Fact]
    public async Task The_socket_file_has_the_configured_mode()
    {
        var mode = File.GetUnixFileMode(_daemon.SocketPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
        await Task.CompletedTask;
    }
}
