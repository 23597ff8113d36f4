using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using SessionManager.FdsApi.Handler;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;
using Thrift;

namespace SessionManager.IntegrationTests;

/// <summary>
/// The seams the session registry and the token checks plug into: every fdsapi call passes the
/// check point, and a session the routing does not know gets the method's negative answer.
/// </summary>
public sealed class CallCheckPointTests
{
    [Fact]
    public async Task Every_fdsapi_method_passes_the_check_point_with_its_token_and_sessions()
    {
        var gate = new RecordingGate();
        await using var daemon = await Daemon.StartAsync(s => s.AddSingleton<IFdsApiCallGate>(gate));
        await using var rds = await daemon.ConnectRdsAsync(standardAnswers: true);
        using var client = await daemon.ClientAsync();

        await client.getVersionInfo(new() { VersionMajor = 1, VersionMinor = 1 });
        await client.ping(5);
        await client.virtualChannelOpen("t1", 1, "a", false, 0);
        await client.virtualChannelClose("t2", 2, "a", 7);
        await client.disconnectSession("t3", 3, true);
        await client.logoffSession("t4", 4, false);
        await client.startRemoteControlSession("t5", 5, 6, 0, 0, 0);
        await client.stopRemoteControlSession("t6", 7, 8);
        await client.sendMessage("t7", 9, "t", "m", 0, 0, true);
        Assert.False((await client.logonConnection("u", "p", "d")).Success); // no such account
        Assert.Equal(0, await client.getPermissionForToken("t8"));
        Assert.False(await client.logoffConnection("t9"));

        // Without the registry's routing (FdsApi:Routing=connection) these have nothing to answer from.
        await Assert.ThrowsAsync<TApplicationException>(() => client.enumerateSessions("t10", 1));
        await Assert.ThrowsAsync<TApplicationException>(() => client.querySessionInformation("t11", 11, 0));

        Assert.Equal(
            [
                new FdsApiCall("getVersionInfo", null), new FdsApiCall("ping", null),
                new FdsApiCall("virtualChannelOpen", "t1", 1), new FdsApiCall("virtualChannelClose", "t2", 2),
                new FdsApiCall("disconnectSession", "t3", 3), new FdsApiCall("logoffSession", "t4", 4),
                new FdsApiCall("startRemoteControlSession", "t5", 5, 6), new FdsApiCall("stopRemoteControlSession", "t6", 7, 8),
                new FdsApiCall("sendMessage", "t7", 9), new FdsApiCall("logonConnection", null),
                new FdsApiCall("getPermissionForToken", "t8"), new FdsApiCall("logoffConnection", "t9"),
                new FdsApiCall("enumerateSessions", "t10"), new FdsApiCall("querySessionInformation", "t11", 11),
            ],
            gate.Seen);
    }

    [Fact]
    public async Task A_denied_call_gets_its_negative_answer_and_nothing_reaches_the_RDS_server()
    {
        var gate = new RecordingGate { Deny = "token lacks VIRTUAL_CHANNEL" };
        await using var daemon = await Daemon.StartAsync(s => s.AddSingleton<IFdsApiCallGate>(gate));
        await using var rds = await daemon.ConnectRdsAsync();
        using var client = await daemon.ClientAsync();

        var open = await client.virtualChannelOpen("s3cr3t-t0ken", 3, "cliprdr", false, 0);
        bool disconnected = await client.disconnectSession("s3cr3t-t0ken", 3, true);
        int message = await client.sendMessage("s3cr3t-t0ken", 3, "t", "m", 0, 0, true);

        Assert.Equal(("", 0), (open.PipeName, open.Instance));
        Assert.False(disconnected);
        Assert.Equal(0, message);
        await Assert.ThrowsAsync<TimeoutException>(() => rds.ReadRequestAsync(TimeSpan.FromMilliseconds(300)));
        var denied = await daemon.Logs.WaitForAsync("CallDenied");
        Assert.Equal("token lacks VIRTUAL_CHANNEL", denied.Properties["Reason"].ToString().Trim('"'));
        Assert.DoesNotContain(daemon.Logs.Events, e => e.RenderMessage().Contains("s3cr3t-t0ken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_the_routing_does_not_know_gets_the_negative_answer_and_a_line_saying_why()
    {
        await using var daemon = await Daemon.StartAsync(s => s.AddSingleton<ISessionRouting>(new OnlySession(4, connectionId: 40)));
        await using var rds = await daemon.ConnectRdsAsync(standardAnswers: true);
        using var client = await daemon.ClientAsync();

        var unknown = await client.virtualChannelOpen("", 99, "cliprdr", false, 0);
        var known = await client.virtualChannelOpen("", 4, "cliprdr", false, 0);
        bool remote = await client.startRemoteControlSession("", 4, 98, 0, 0, 0);

        Assert.Equal("", unknown.PipeName);
        Assert.Equal("vc:40:cliprdr", known.PipeName);
        Assert.False(remote);
        var noRoute = await daemon.Logs.WaitForAsync("NoRoute");
        Assert.Equal("99", noRoute.Properties["SessionId"].ToString());
        Assert.Equal("no session 99", noRoute.Properties["Reason"].ToString().Trim('"'));
        Assert.Equal(2, daemon.Logs.WithEventName("NoRoute").Count());
    }

    private sealed class RecordingGate : IFdsApiCallGate
    {
        private readonly ConcurrentQueue<FdsApiCall> _seen = new();

        public string? Deny { get; init; }

        public IReadOnlyList<FdsApiCall> Seen => [.. _seen];

        public ValueTask<FdsApiAdmission> AdmitAsync(FdsApiCall fdsApiCall, CancellationToken cancellationToken)
        {
            _seen.Enqueue(fdsApiCall);
            return ValueTask.FromResult(Deny is null ? FdsApiAdmission.Allow : FdsApiAdmission.Deny(Deny));
        }
    }

    private sealed class OnlySession(int sessionId, uint connectionId) : ISessionRouting
    {
        public async ValueTask<SessionRoute> RouteAsync(int session, CancellationToken cancellationToken)
        {
            await Task.Yield(); // asynchronously, as a registry may answer
            return session == sessionId ? SessionRoute.To(connectionId) : SessionRoute.None($"no session {session}");
        }

        public ValueTask<int?> SessionOfConnectionAsync(uint connection, CancellationToken cancellationToken) =>
            ValueTask.FromResult(connection == connectionId ? sessionId : (int?)null);
    }
}
