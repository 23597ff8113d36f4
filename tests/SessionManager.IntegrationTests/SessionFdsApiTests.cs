using SessionManager.FdsApi.Generated;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Registry;

namespace SessionManager.IntegrationTests;

/// <summary>
/// fdsapi served from the session registry (FDSAPI.md, FdsApi:Routing = sessions), through a real
/// Thrift client, on sessions logged on as the ogon RDS does.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionFdsApiTests
{
    private const string Token = "token";

    // The desktop names its endpoint after its display, so that its WinStation name is the display's.
    private static readonly string DesktopOnADisplay = "Backends:desktop:Endpoint=ogon_{Display}_X11";

    [RootFact]
    public async Task EnumerateSessions_lists_every_session_with_its_WinStation_name_and_WTS_state()
    {
        await using var rig = await SessionRig.StartAsync(DesktopOnADisplay);
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        Assert.True((await rig.LogonAsync(2, "", "")).Succeeded);
        Assert.True((await rig.LogonAsync(3, "smtest2", SessionRig.Password2)).Succeeded);
        await rig.Rds.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 3 });
        using var client = await rig.Daemon.ClientAsync();

        var listed = await client.enumerateSessions(Token, 1);

        Assert.True(listed.ReturnValue);
        var byId = listed.SessionInfoList!.ToDictionary(s => s.SessionId);
        Assert.Equal([2, 3, 4], byId.Keys.Order());
        var user1 = rig.Daemon.Sessions.Find(2)!;
        var greeter = rig.Daemon.Sessions.Find(3)!;
        Assert.NotNull(user1.Display);
        Assert.Null(greeter.Display);
        Assert.Equal(($"desktop:{user1.Display}", 0), (byId[2].WinStationName, byId[2].ConnectState));
        Assert.Equal(($"greeter:{greeter.BackendPid}", 1), (byId[3].WinStationName, byId[3].ConnectState));
        Assert.Equal(($"desktop:{rig.Daemon.Sessions.Find(4)!.Display}", 4), (byId[4].WinStationName, byId[4].ConnectState));
    }

    [RootFact]
    public async Task QuerySessionInformation_answers_every_served_class_in_its_union_member_and_false_otherwise()
    {
        await using var rig = await SessionRig.StartAsync(DesktopOnADisplay);
        var before = DateTime.UtcNow.AddSeconds(-1).ToFileTimeUtc();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        var after = DateTime.UtcNow.AddSeconds(1).ToFileTimeUtc();
        string station = rig.Daemon.Sessions.Find(2)!.WinStationName;
        using var client = await rig.Daemon.ClientAsync();
        async Task<TSessionInfoValue> query(int infoClass)
        {
            var answer = await client.querySessionInformation(Token, 2, infoClass);
            Assert.True(answer.ReturnValue, $"class {infoClass}");
            return answer.InfoValue!;
        }

        // Union members: 2 int16Value, 3 int32Value, 4 stringValue, 5 displayValue, 6 WTSINFO, 7 int64Value.
        Assert.Equal((3, 2), ((await query(4)).Isset, (await query(4)).As_int32Value));
        Assert.Equal((4, "smtest1"), ((await query(5)).Isset, (await query(5)).As_stringValue));
        Assert.Equal((4, station), ((await query(6)).Isset, (await query(6)).As_stringValue));
        Assert.Equal((4, ""), ((await query(7)).Isset, (await query(7)).As_stringValue));
        Assert.Equal((3, 0), ((await query(8)).Isset, (await query(8)).As_int32Value));
        Assert.Equal((3, 2600), ((await query(9)).Isset, (await query(9)).As_int32Value));
        Assert.Equal((4, "pc1"), ((await query(10)).Isset, (await query(10)).As_stringValue));
        Assert.Equal((2, (short)1), ((await query(12)).Isset, (await query(12)).As_int16Value));
        Assert.Equal((3, 0), ((await query(13)).Isset, (await query(13)).As_int32Value));
        Assert.Equal((4, "192.0.2.10"), ((await query(14)).Isset, (await query(14)).As_stringValue));
        var display = await query(15);
        Assert.Equal((5, 1024, 768, 32), (display.Isset, display.As_displayValue!.DisplayWidth, display.As_displayValue.DisplayHeight, display.As_displayValue.ColorDepth));
        Assert.Equal((2, (short)2), ((await query(16)).Isset, (await query(16)).As_int16Value));
        var logonTime = await query(18);
        Assert.Equal(7, logonTime.Isset);
        Assert.InRange(logonTime.As_int64Value, before, after);
        var info = await query(24);
        Assert.Equal(6, info.Isset);
        var wts = info.As_WTSINFO!;
        Assert.Equal((0, 2, station, "", "smtest1"), (wts.State, wts.SessionId, wts.WinStationName, wts.Domain, wts.UserName));
        Assert.Equal((logonTime.As_int64Value, 0L), (wts.LogonTime, wts.DisconnectTime));
        Assert.InRange(wts.ConnectTime, before, after);
        Assert.True(wts.CurrentTime >= wts.ConnectTime);

        Assert.False((await client.querySessionInformation(Token, 2, 1)).ReturnValue); // WTSInitialProgram: not served
        Assert.False((await client.querySessionInformation(Token, 2, 11)).ReturnValue); // WTSClientDirectory
        Assert.False((await client.querySessionInformation(Token, 77, 4)).ReturnValue); // no session 77
    }

    [RootFact]
    public async Task DisconnectSession_closes_the_RDP_connection_and_keeps_the_session_running_disconnected()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        int pid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;
        using var client = await rig.Daemon.ClientAsync();

        Assert.True(await client.disconnectSession(Token, 2, true));

        var logoff = Assert.Single(rig.RequestsOfType(MsgType.LogoffUserSession));
        Assert.Equal(1u, LogoffUserSessionRequest.Parser.ParseFrom(logoff.Payload).ConnectionId);
        var session = rig.Daemon.Sessions.Find(2)!;
        Assert.Equal((SessionState.Disconnected, (uint?)null), (session.State, session.ConnectionId));
        Assert.True(SessionRig.ProcessExists(pid));
        Assert.Equal(4, (await client.querySessionInformation(Token, 2, 8)).InfoValue!.As_int32Value);
        Assert.False(await client.disconnectSession(Token, 2, true)); // nothing left to disconnect
    }

    [RootFact]
    public async Task LogoffSession_closes_the_RDP_connection_then_ends_the_session_its_backend_and_token_file()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(4, "smtest2", SessionRig.Password2)).Succeeded);
        int pid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;
        string tokenFile = Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2");
        Assert.True(File.Exists(tokenFile));
        using var client = await rig.Daemon.ClientAsync();

        Assert.True(await client.logoffSession(Token, 2, true));

        Assert.Equal(4u, LogoffUserSessionRequest.Parser.ParseFrom(Assert.Single(rig.RequestsOfType(MsgType.LogoffUserSession)).Payload).ConnectionId);
        Assert.Null(rig.Daemon.Sessions.Find(2));
        await Wait.UntilAsync(() => !SessionRig.ProcessExists(pid), "the backend is gone", TimeSpan.FromSeconds(20));
        Assert.False(File.Exists(tokenFile));
        Assert.Empty((await client.enumerateSessions(Token, 1)).SessionInfoList!);
        Assert.False(await client.logoffSession(Token, 2, true));
    }

    [RootFact]
    public async Task VirtualChannelOpen_goes_to_the_sessions_connection_and_gives_nothing_for_a_disconnected_or_unknown_session()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(6, "smtest1", SessionRig.Password1)).Succeeded);
        using var client = await rig.Daemon.ClientAsync();

        var opened = await client.virtualChannelOpen(Token, 2, "rdpdr", false, 0);

        Assert.Equal(("vc:6:rdpdr", 7), (opened.PipeName, opened.Instance));
        var open = VirtualChannelOpenRequest.Parser.ParseFrom(Assert.Single(rig.RequestsOfType(MsgType.VirtualChannelOpen)).Payload);
        Assert.Equal((6u, "rdpdr"), (open.ConnectionId, open.VirtualName));

        await rig.Rds.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 6 });
        Assert.Equal("", (await client.virtualChannelOpen(Token, 2, "rdpdr", false, 0)).PipeName ?? "");
        Assert.Equal("", (await client.virtualChannelOpen(Token, 77, "rdpdr", false, 0)).PipeName ?? "");

        Assert.Single(rig.RequestsOfType(MsgType.VirtualChannelOpen));
        var noRoutes = rig.Daemon.Logs.WithEventName("NoRoute").ToList();
        Assert.Contains(noRoutes, e => e.Text("SessionId") == "2" && e.Text("Method") == "virtualChannelOpen");
        Assert.Contains(noRoutes, e => e.Text("SessionId") == "77");
    }
}
