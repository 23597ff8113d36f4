using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;
using Thrift;

namespace SessionManager.IntegrationTests;

/// <summary>When no answer can be had, the Thrift client gets a TApplicationException naming why (FDSAPI.md "Errors").</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task Without_an_RDS_server_a_bridged_call_fails_at_once_naming_the_cause()
    {
        await using var daemon = await Daemon.StartAsync();
        using var client = await daemon.ClientAsync();
        var ex = await Assert.ThrowsAsync<TApplicationException>(() => client.virtualChannelOpen("", 1, "rdpdr", false, 0));
        Assert.Equal(TApplicationException.ExceptionType.InternalError, ex.Type);
        Assert.Equal("RDS server not connected", ex.Message);

        // The connection survives the failure.
        Assert.Equal(5, await client.ping(5));
    }

    [Theory]
    [InlineData(RPCStatus.Failed, "no such connection", "RDS server failed VirtualChannelOpen: no such connection")]
    [InlineData(RPCStatus.Failed, null, "RDS server failed VirtualChannelOpen: no reason given")]
    [InlineData(RPCStatus.Notfound, null, "RDS server has no handler for VirtualChannelOpen (NOTFOUND)")]
    public async Task FAILED_and_NOTFOUND_answers_reach_the_client_with_their_cause(RPCStatus status, string? description, string expected)
    {
        await using var daemon = await Daemon.StartAsync();
        await using var rds = await daemon.ConnectRdsAsync();
        using var client = await daemon.ClientAsync();

        var call = client.virtualChannelOpen("", 1, "rdpdr", false, 0);
        var request = await rds.ReadRequestAsync();
        await rds.SendAsync(RpcMessages.Failure(request.Tag, request.MsgType, status, description));

        var ex = await Assert.ThrowsAsync<TApplicationException>(() => call);
        Assert.Equal(TApplicationException.ExceptionType.InternalError, ex.Type);
        Assert.Equal(expected, ex.Message);
    }

    [Fact]
    public async Task A_call_the_RDS_server_never_answers_times_out_with_the_configured_timeout()
    {
        await using var daemon = await Daemon.StartAsync("Icp:RequestTimeout=00:00:00.300");
        await using var rds = await daemon.ConnectRdsAsync();
        using var client = await daemon.ClientAsync();

        var ex = await Assert.ThrowsAsync<TApplicationException>(() => client.virtualChannelClose("", 1, "rdpdr", 1));
        Assert.Equal("ICP VirtualChannelClose timed out after 300 ms", ex.Message);
        await daemon.Logs.WaitForAsync("CallTimedOut");

        // The late answer is logged and dropped; the connection stays and serves the next call.
        var late = await rds.ReadRequestAsync();
        var failed = await daemon.Logs.WaitForAsync("CallFailed");
        Assert.Equal(late.Tag.ToString(System.Globalization.CultureInfo.InvariantCulture), failed.Properties["Tag"].ToString());
        Assert.Equal("\"virtualChannelClose\"", failed.Properties["Method"].ToString());
        await rds.AnswerAsync(late, new VirtualChannelCloseResponse { Success = true });
        await daemon.Logs.WaitForAsync("UnknownTagResponse");
        rds.Answer = StandardRdsAnswers.Answer;
        Assert.True(await client.virtualChannelClose("", 1, "rdpdr", 1));
    }

    [Fact]
    public async Task When_the_RDS_server_drops_every_one_of_20_pending_calls_fails_at_once()
    {
        await using var daemon = await Daemon.StartAsync("Icp:RequestTimeout=00:01:00");
        var rds = await daemon.ConnectRdsAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => daemon.ClientAsync()));
        var calls = clients.Select((c, i) => c.virtualChannelOpen("", i, "rdpdr", false, 0)).ToArray();
        for (int i = 0; i < calls.Length; i++)
        {
            await rds.ReadRequestAsync();
        }

        await rds.DisposeAsync();

        // Far sooner than the one-minute timeout: the loss fails them, not the clock.
        var all = Task.WhenAll(calls.Select(async call => await Assert.ThrowsAsync<TApplicationException>(() => call)));
        var failures = await all.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.All(failures, ex => Assert.StartsWith("RDS connection lost during ICP VirtualChannelOpen", ex.Message, StringComparison.Ordinal));
        var disconnected = await daemon.Logs.WaitForAsync("RdsDisconnected");
        Assert.Equal("20", disconnected.Properties["PendingFailed"].ToString());
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task After_the_RDS_server_reconnects_calls_go_to_the_new_connection()
    {
        await using var daemon = await Daemon.StartAsync();
        var first = await daemon.ConnectRdsAsync(standardAnswers: true);
        using var client = await daemon.ClientAsync();
        Assert.Equal("vc:1:a", (await client.virtualChannelOpen("", 1, "a", false, 0)).PipeName);

        await first.DisposeAsync();
        await Wait.UntilAsync(() => !daemon.Rds.IsConnected, "the daemon notices the RDS server left");
        await Assert.ThrowsAsync<TApplicationException>(() => client.virtualChannelOpen("", 1, "a", false, 0));

        await using var second = await daemon.ConnectRdsAsync(standardAnswers: true);
        Assert.Equal("vc:2:b", (await client.virtualChannelOpen("", 2, "b", false, 0)).PipeName);
    }

    [Fact]
    public async Task Without_the_registrys_routing_enumerate_and_query_say_they_are_not_available()
    {
        await using var daemon = await Daemon.StartAsync();
        using var client = await daemon.ClientAsync();
        var ex = await Assert.ThrowsAsync<TApplicationException>(() => client.enumerateSessions("t", 1));
        Assert.Contains("enumerateSessions is not available: this daemon runs without the session registry's routing (FdsApi:Routing=connection)", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TApplicationException>(() => client.querySessionInformation("t", 1, 4));
        Assert.Equal(1, await client.ping(1));
    }
}
