using System.Globalization;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Registry;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Many users at once (a class logging on at nine o'clock), on one RDS link as ogon's RDS sends
/// them: every request in flight together, matched by tag.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionLoadTests
{
    private const int Users = 50;
    private const string Password = "Pw-smload!";

    [RootFact]
    public async Task Fifty_users_logging_on_at_once_all_get_their_own_session_and_all_are_logged_off_again()
    {
        await using var rig = await SessionRig.StartAsync();
        string[] users = [.. Enumerable.Range(1, Users).Select(n => $"smload{n:00}")];

        var results = await Task.WhenAll(users.Select((user, i) => rig.LogonConcurrentlyAsync((uint)(100 + i), user, Password)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.All(results, r => Assert.True(r.Succeeded, r.ToString()));
        Assert.Empty(rig.Rds.UnmatchedResponses);
        var sessions = rig.Daemon.Sessions.All();
        Assert.Equal(users.Order(StringComparer.Ordinal), sessions.Select(s => s.User!).Order(StringComparer.Ordinal));
        Assert.All(sessions, s => Assert.Equal(SessionState.Active, s.State));
        for (int i = 0; i < Users; i++)
        {
            // Each connection got its user's session, not a neighbour's.
            var session = rig.Daemon.Sessions.ForConnection((uint)(100 + i))!;
            Assert.Equal(users[i], session.User);
            Assert.Equal(@"\\.\pipe\" + session.PipeName, results[i].Logon!.ServiceEndpoint);
            var report = await rig.ReportAsync(session.Id);
            Assert.Equal((await Account.OfAsync(users[i])).Uid.ToString(CultureInfo.InvariantCulture), report["uid"]);
        }

        int[] pids = [.. sessions.Select(s => s.BackendPid!.Value)];
        using var client = await rig.Daemon.ClientAsync();
        foreach (var session in sessions)
        {
            Assert.True(await client.logoffSession("token", session.Id, true));
        }

        Assert.Empty(rig.Daemon.Sessions.All());
        foreach (int pid in pids)
        {
            await Wait.UntilAsync(() => !SessionRig.ProcessExists(pid), $"backend {pid} is gone", TimeSpan.FromSeconds(30));
        }
    }
}
