using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>Sessions:MaxSessions and MaxSessionsPerUser: past them a logon fails naming the key, and the log says who hit it.</summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionLimitTests
{
    [RootFact]
    public async Task Past_MaxSessions_a_logon_fails_naming_the_key_and_the_log_names_the_user_and_client()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:MaxSessions=1");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

        var refused = await rig.LogonAsync(2, "smtest2", SessionRig.Password2);

        Assert.Equal(RPCStatus.Failed, refused.Answers[^1].Status);
        Assert.Contains("Sessions:MaxSessions", refused.Answers[^1].ErrorDescription, StringComparison.Ordinal);
        var limit = Assert.Single(rig.Daemon.Logs.WithEventName("SessionLimitReached"));
        Assert.Equal(("smtest2", "192.0.2.10"), (limit.Text("User"), limit.Text("ClientAddress")));
        Assert.Equal(["smtest1"], rig.Daemon.Sessions.All().Select(s => s.User));
    }

    [RootFact]
    public async Task Past_MaxSessionsPerUser_that_user_is_refused_while_others_still_log_on()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:MaxSessionsPerUser=1", "Sessions:SingleSession=false");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

        var refused = await rig.LogonAsync(2, "smtest1", SessionRig.Password1, clientHost: "pc2");
        var other = await rig.LogonAsync(3, "smtest2", SessionRig.Password2);

        Assert.Equal(RPCStatus.Failed, refused.Answers[^1].Status);
        Assert.Contains("Sessions:MaxSessionsPerUser", refused.Answers[^1].ErrorDescription, StringComparison.Ordinal);
        Assert.True(other.Succeeded, other.RefusedBecause);
        var limit = Assert.Single(rig.Daemon.Logs.WithEventName("SessionLimitReached"));
        Assert.Equal(("smtest1", "192.0.2.10", "Sessions:MaxSessionsPerUser"), (limit.Text("User"), limit.Text("ClientAddress"), limit.Text("Limit")));
        Assert.Equal(["smtest1", "smtest2"], rig.Daemon.Sessions.All().Select(s => s.User));
        Assert.Equal(1u, rig.Daemon.Sessions.All()[0].ConnectionId); // the first session was left alone
        Assert.Empty(rig.RequestsOfType(MsgType.LogoffUserSession));
    }

    [RootFact]
    public async Task A_greeter_refused_by_MaxSessions_is_logged_under_the_name_typed_in_the_client()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:MaxSessions=1");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

        var refused = await rig.LogonAsync(2, "smtest2", "wrong password");

        Assert.Equal(RPCStatus.Failed, refused.Answers[^1].Status);
        Assert.Contains("Sessions:MaxSessions", refused.Answers[^1].ErrorDescription, StringComparison.Ordinal);
        // Not the greeter's account (nobody): the operator looks for the person who could not log on.
        Assert.Equal("smtest2", Assert.Single(rig.Daemon.Logs.WithEventName("SessionLimitReached")).Text("User"));
    }
}
