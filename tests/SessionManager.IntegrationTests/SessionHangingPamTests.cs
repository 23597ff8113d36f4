using System.Diagnostics;
using System.Globalization;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// A PAM module that hangs (pam_exec sleeping 30 s, for smtest3 only: the test host's
/// sessionmanager-hang-smtest3 service) costs its user Auth:Timeout, not everyone's logons.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionHangingPamTests
{
    [RootFact]
    public async Task A_hung_authentication_gets_the_greeter_after_Auth_Timeout_while_other_users_log_on_meanwhile()
    {
        await using var rig = await SessionRig.StartAsync("Auth:PamService=sessionmanager-hang-smtest3", "Auth:Timeout=00:00:02");
        var clock = Stopwatch.StartNew();

        var hung = TimedAsync(rig.LogonConcurrentlyAsync(1, "smtest3", "Pw-smtest3!"), clock);
        var first = rig.LogonConcurrentlyAsync(2, "smtest1", SessionRig.Password1);
        var second = rig.LogonConcurrentlyAsync(3, "smtest2", SessionRig.Password2);
        await Task.WhenAll(hung, first, second).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True((await first).Succeeded, (await first).ToString());
        Assert.True((await second).Succeeded, (await second).ToString());
        var (result, elapsed) = await hung;
        // Within the logon budget (8 s), far from the 30 s the module hangs: the timeout cut it.
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"answered after {elapsed}");
        bool greeter = result.Answers[^1].Status == RPCStatus.Success;
        if (greeter)
        {
            Assert.EndsWith("_Qt", result.Logon!.ServiceEndpoint, StringComparison.Ordinal);
            Assert.True(result.Succeeded, result.ToString());
        }
        else
        {
            Assert.Equal(RPCStatus.Failed, result.Answers[^1].Status);
        }

        Assert.Equal(greeter ? ["nobody", "smtest1", "smtest2"] : ["smtest1", "smtest2"], rig.Daemon.Sessions.All().Select(s => s.User).Order());

        // The launcher of the hung attempt is killed with its whole process group (the sleeping pam_exec child too).
        var timedOut = await rig.Daemon.Logs.WaitForAsync("AuthenticationTimedOut");
        Assert.Equal("smtest3", timedOut.Text("UserName"));
        int launcher = int.Parse(timedOut.Text("LauncherPid"), CultureInfo.InvariantCulture);
        await Wait.UntilAsync(() => ProcessGroupMembers(launcher).Count == 0, $"process group {launcher} is empty", TimeSpan.FromSeconds(20));
    }

    private static async Task<(T Result, TimeSpan Elapsed)> TimedAsync<T>(Task<T> task, Stopwatch clock)
    {
        var result = await task;
        return (result, clock.Elapsed);
    }

    /// <summary>Processes whose process group is <paramref name="group"/> (field 5 of /proc/&lt;pid&gt;/stat).</summary>
    private static List<int> ProcessGroupMembers(int group)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] != "Z" && fields[2] == group.ToString(CultureInfo.InvariantCulture))
                {
                    members.Add(pid);
                }
            }
            catch (IOException)
            {
                // the process ended while we looked
            }
        }

        return members;
    }
}
