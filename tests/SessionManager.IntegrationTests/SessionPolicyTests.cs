using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Registry;

namespace SessionManager.IntegrationTests;

/// <summary>
/// A few rows of the policy table (SessionChooser, unit-tested row by row) end to end: real
/// logons, real backends, the RDS's disconnects.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionPolicyTests
{
    [RootFact]
    public async Task Without_Reconnect_a_logon_after_a_disconnect_gets_a_new_session_and_the_old_one_is_gone()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:Reconnect=false");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        int oldPid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;
        await DisconnectAsync(rig, 1);

        var again = await rig.LogonAsync(2, "smtest1", SessionRig.Password1);

        Assert.True(again.Succeeded, again.RefusedBecause);
        Assert.Equal(@"\\.\pipe\ogon_3_X11", again.Logon!.ServiceEndpoint);
        Assert.Equal([(3, SessionState.Active)], rig.Daemon.Sessions.All().Select(s => (s.Id, s.State)));
        await Wait.UntilAsync(() => !SessionRig.ProcessExists(oldPid), "the old backend is gone", TimeSpan.FromSeconds(20));
    }

    [RootFact]
    public async Task Without_SingleSession_a_second_logon_while_the_first_is_active_gets_a_second_session()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:SingleSession=false");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

        var second = await rig.LogonAsync(2, "smtest1", SessionRig.Password1, clientHost: "pc2");

        Assert.True(second.Succeeded, second.RefusedBecause);
        Assert.Equal(@"\\.\pipe\ogon_3_X11", second.Logon!.ServiceEndpoint);
        Assert.Equal([(2, SessionState.Active, (uint?)1u), (3, SessionState.Active, 2u)], rig.Daemon.Sessions.All().Select(s => (s.Id, s.State, s.ConnectionId)));
        Assert.Empty(rig.RequestsOfType(MsgType.LogoffUserSession));
    }

    [RootFact]
    public async Task A_per_user_Reconnect_override_applies_to_that_user_only()
    {
        await using var rig = await SessionRig.StartAsync("Policies:Users:smtest1:Sessions:Reconnect=false");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded); // session 2
        Assert.True((await rig.LogonAsync(2, "smtest2", SessionRig.Password2)).Succeeded); // session 3
        await DisconnectAsync(rig, 1);
        await DisconnectAsync(rig, 2);

        var smtest1 = await rig.LogonAsync(3, "smtest1", SessionRig.Password1);
        var smtest2 = await rig.LogonAsync(4, "smtest2", SessionRig.Password2);

        Assert.Equal(@"\\.\pipe\ogon_4_X11", smtest1.Logon!.ServiceEndpoint); // new
        Assert.Equal(@"\\.\pipe\ogon_3_X11", smtest2.Logon!.ServiceEndpoint); // reconnected
        Assert.True(smtest1.Succeeded && smtest2.Succeeded);
        Assert.Equal([(3, "smtest2", (uint?)4u), (4, "smtest1", 3u)], rig.Daemon.Sessions.All().Select(s => (s.Id, s.User, s.ConnectionId)));
    }

    [RootFact]
    public async Task With_ReconnectFromSameClient_a_logon_from_another_client_host_gets_a_new_session()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:ReconnectFromSameClient=true");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1, clientHost: "pc1")).Succeeded);
        int oldPid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;
        await DisconnectAsync(rig, 1);

        var elsewhere = await rig.LogonAsync(2, "smtest1", SessionRig.Password1, clientHost: "pc2");

        Assert.True(elsewhere.Succeeded, elsewhere.RefusedBecause);
        Assert.Equal(@"\\.\pipe\ogon_3_X11", elsewhere.Logon!.ServiceEndpoint);
        // SingleSession (the default) ends the user's session from the other client.
        Assert.Equal([(3, "pc2")], rig.Daemon.Sessions.All().Select(s => (s.Id, s.Client.HostName)));
        await Wait.UntilAsync(() => !SessionRig.ProcessExists(oldPid), "the old backend is gone", TimeSpan.FromSeconds(20));
    }

    private static async Task DisconnectAsync(SessionRig rig, uint connectionId)
    {
        var answer = await rig.Rds.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = connectionId });
        Assert.Equal(RPCStatus.Success, answer.Status);
    }
}
