using System.Net;
using System.Net.Sockets;
using SessionManager.IntegrationTests.Support;
using Microsoft.Extensions.DependencyInjection;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>
/// What Thrift clients may hold between them (issue 20, item 2): a total budget for messages
/// being received and handled, an idle limit for connections that never showed a valid token;
/// and (5b) a client that leaves in the middle of a call has that call's work cancelled.
/// </summary>
[Collection(AllocationSensitive.Name)]
public sealed class FdsApiClientMemoryTests
{
    private const int LargeText = 40_000;

    [Fact]
    public async Task A_client_that_leaves_during_a_bridged_call_has_its_ICP_call_cancelled()
    {
        await using var daemon = await Daemon.StartAsync("Icp:RequestTimeout=00:10:00");
        await using var rds = await daemon.ConnectRdsAsync(); // never answers
        var client = await daemon.ClientAsync();
        var call = client.virtualChannelOpen("HUGO", 7, "rdpdr", false, 0);
        await rds.ReadRequestAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, daemon.Rds.Current!.PendingCallCount);

        client.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => call);
        await Wait.UntilAsync(() => daemon.Rds.Current!.PendingCallCount == 0, "the departed client's ICP call is cancelled", TimeSpan.FromSeconds(30));
        var line = await daemon.Logs.WaitForAsync("CallFailed");
        Assert.Contains("client", line.Properties["Cause"].ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// ogon's clients speak TLS: one that leaves mid-call, with a close_notify or without, is
    /// noticed the same way (the close is seen on the socket beneath TLS, close_notify unread).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_TLS_client_that_leaves_during_a_bridged_call_has_its_ICP_call_cancelled(bool closeNotify)
    {
        await using var daemon = await Daemon.StartAsync("Icp:RequestTimeout=00:10:00");
        await using var rds = await daemon.ConnectRdsAsync(); // never answers
        var (client, tls) = await FdsApiTestClient.ConnectTlsAsync(daemon.Port);
        var call = client.virtualChannelOpen("HUGO", 7, "rdpdr", false, 0);
        await rds.ReadRequestAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, daemon.Rds.Current!.PendingCallCount);

        if (closeNotify)
        {
            await tls.ShutdownAsync();
        }

        client.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => call);
        await Wait.UntilAsync(() => daemon.Rds.Current!.PendingCallCount == 0, "the departed TLS client's ICP call is cancelled", TimeSpan.FromSeconds(10));
        var line = await daemon.Logs.WaitForAsync("CallFailed");
        Assert.Contains("client", line.Properties["Cause"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_message_that_gets_no_budget_closes_its_connection_and_budget_comes_back_when_the_holder_leaves()
    {
        await using var daemon = await Daemon.StartAsync(
            "Icp:RequestTimeout=00:10:00", "FdsApi:MaxFrameBytes=65536", "FdsApi:MaxBufferedBytes=65536", "FdsApi:FrameTimeout=00:00:01");
        await using var rds = await daemon.ConnectRdsAsync(); // never answers a message box
        var holder = await daemon.ClientAsync();
        var held = holder.sendMessage("HUGO", 1, "title", new string('a', LargeText), 0, 0, true);
        await rds.ReadRequestAsync(TimeSpan.FromSeconds(30));

        // The holder's call keeps its message's budget: a second large message gets none and is refused.
        var refused = await daemon.ClientAsync();
        await Assert.ThrowsAnyAsync<Exception>(() =>
            refused.sendMessage("HUGO", 1, "title", new string('b', LargeText), 0, 0, true).WaitAsync(TimeSpan.FromSeconds(30)));
        var line = await daemon.Logs.WaitForAsync("BufferBudgetExhausted");
        Assert.Equal("65536", line.Properties["MaxBufferedBytes"].ToString());

        // Small calls need no budget.
        using var small = await daemon.ClientAsync();
        Assert.Equal(3, await small.ping(3));

        // The holder leaves: its call is cancelled and its budget returned, so a large message is taken again.
        holder.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => held);
        var next = await daemon.ClientAsync();
        _ = next.sendMessage("HUGO", 1, "title", new string('c', LargeText), 0, 0, true);
        var request = await rds.ReadRequestAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(LargeText, SessionManager.Icp.Protocol.MessageRequest.Parser.ParseFrom(request.Payload).Parameter2.Length);
        next.Dispose();
    }

    [Fact]
    public async Task An_answered_large_message_gives_its_budget_back_while_its_connection_stays()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:RequireToken=true", "FdsApi:MaxFrameBytes=65536", "FdsApi:MaxBufferedBytes=65536");
        var budget = daemon.Services.GetRequiredService<SessionManager.FdsApi.Server.FdsApiServer>().BufferBudget;
        using var client = await daemon.ClientAsync();

        // Tokenless: refused by the check point with the method's negative answer, as in issue 20's trial.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, await client.sendMessage("", 1, "title", new string('a', LargeText), 0, 0, true));
            // Given back once the reply is out, which the client may see first.
            await Wait.UntilAsync(() => budget.InUse == 0, "the message's budget is given back");
        }

        Assert.Equal(4, await client.ping(4));
    }

    [Fact]
    public async Task A_connection_that_never_presents_a_valid_token_is_closed_after_the_idle_limit()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:RequireToken=true", "FdsApi:UnauthenticatedIdleTimeout=00:00:01");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, daemon.Port);

        // A framed binary ping(5), answered; then nothing more.
        await socket.SendAsync(FramedPing, SocketFlags.None);
        Assert.True(await RawClient.ReceiveUntilClosedAsync(socket) > 0, "the ping was answered before the close");
        var line = await daemon.Logs.WaitForAsync("UnauthenticatedIdle");
        Assert.Equal("1000", line.Properties["TimeoutMs"].ToString());
    }

    [Fact]
    public async Task A_connection_that_presented_a_token_the_gate_accepted_is_kept_past_the_idle_limit()
    {
        // RequireToken=false: every token is accepted (FreeRDS-era HUGO), so a call carrying one counts.
        await using var daemon = await Daemon.StartAsync("FdsApi:UnauthenticatedIdleTimeout=00:00:01");
        await using var rds = await daemon.ConnectRdsAsync(standardAnswers: true);
        using var trusted = await daemon.ClientAsync();
        Assert.Equal("vc:1:rdpdr", (await trusted.virtualChannelOpen("HUGO", 1, "rdpdr", false, 0)).PipeName);
        using var anonymous = await daemon.ClientAsync();
        Assert.Equal(1, await anonymous.ping(1));

        await daemon.Logs.WaitForAsync("UnauthenticatedIdle");
        Assert.Equal(2, await trusted.ping(2));
    }

    /// <summary>fdsapi ping(5), framed strict binary, seqid 1.</summary>
    private static readonly byte[] FramedPing =
    [
        0x00, 0x00, 0x00, 0x18,
        0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, (byte)'p', (byte)'i', (byte)'n', (byte)'g', 0x00, 0x00, 0x00, 0x01,
        0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05,
        0x00,
    ];
}
