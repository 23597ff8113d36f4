using System.Diagnostics;
using System.Globalization;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Sessions:LogonBudget holds even when the backend must be stopped: the LogonUser answer leaves
/// when the budget (or the backend's StartTimeout) runs out, and stopping a backend that ignores
/// SIGTERM (SIGKILL after its StopTimeout) goes on after the answer. Real PAM, launcher and
/// stand-in backend.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionLogonBudgetTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Margin for a slow, busy machine; still well below what waiting for the stop would cost (StopTimeout, 5 s).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    [RootFact]
    public async Task When_the_budget_runs_out_the_answer_leaves_then_and_the_backend_is_killed_afterwards()
    {
        await using var rig = await SessionRig.StartAsync(SilentBackend("Sessions:LogonBudget=00:00:04", "Backends:desktop:StartTimeout=00:01:00"));

        var (answer, elapsed) = await TimedLogonAsync(rig, 1);

        Assert.Equal(RPCStatus.Failed, answer.Status);
        Assert.True(elapsed < TimeSpan.FromSeconds(4) + Slack, $"answered after {elapsed.TotalSeconds:0.00} s (budget 4 s, StopTimeout 5 s)");
        Assert.Contains("Sessions:LogonBudget (4 s) ran out while waiting for backend 'desktop' to create its endpoint", answer.ErrorDescription, StringComparison.Ordinal);

        // The RDS asks again for the same user while the first backend is still being stopped:
        // a session of its own (no clash with the one ending), the same answer.
        var (again, againElapsed) = await TimedLogonAsync(rig, 2);
        Assert.Equal(RPCStatus.Failed, again.Status);
        Assert.True(againElapsed < TimeSpan.FromSeconds(4) + Slack, $"second answer after {againElapsed.TotalSeconds:0.00} s");

        await AssertCleanedUpAsync(rig, [2, 3]);
        var ended = rig.Daemon.Logs.WithEventName("SessionEnded").Select(e => e.Text("Reason")).ToList();
        Assert.Equal(2, ended.Count);
        Assert.All(ended, reason => Assert.Contains("Sessions:LogonBudget (4 s) ran out while waiting for backend 'desktop'", reason, StringComparison.Ordinal));
        Assert.DoesNotContain(rig.Daemon.Logs.Events, e => e.RenderMessage().Contains("task was canceled", StringComparison.OrdinalIgnoreCase));
    }

    [RootFact]
    public async Task When_the_backends_start_timeout_runs_out_the_answer_names_it_and_does_not_wait_for_the_stop()
    {
        await using var rig = await SessionRig.StartAsync(SilentBackend("Backends:desktop:StartTimeout=00:00:02"));

        var (answer, elapsed) = await TimedLogonAsync(rig, 1);

        Assert.Equal(RPCStatus.Failed, answer.Status);
        Assert.True(elapsed < TimeSpan.FromSeconds(2) + Slack, $"answered after {elapsed.TotalSeconds:0.00} s (StartTimeout 2 s, StopTimeout 5 s)");
        Assert.Contains("backend 'desktop' did not come up: the backend did not create its endpoint", answer.ErrorDescription, StringComparison.Ordinal);
        Assert.Contains("within Backends:desktop:StartTimeout (2 s)", answer.ErrorDescription, StringComparison.Ordinal);
        await AssertCleanedUpAsync(rig, [2]);
    }

    /// <summary>A desktop that never creates its endpoint and ignores SIGTERM, stopped with 5 s before SIGKILL.</summary>
    private static string[] SilentBackend(params string[] settings) =>
        ["Backends:desktop:Command:5=--never-listen", "Backends:desktop:Command:6=--ignore-sigterm", "Backends:desktop:StopTimeout=00:00:05", .. settings];

    private async Task<(RPCBase Answer, TimeSpan Elapsed)> TimedLogonAsync(SessionRig rig, uint connectionId)
    {
        var clock = Stopwatch.StartNew();
        await rig.SendLogonUserAsync(connectionId, "smtest1", SessionRig.Password1);
        var answer = await rig.Rds.ReadResponseAsync(Patience);
        output.WriteLine($"connection {connectionId}: {answer.Status} after {clock.Elapsed.TotalSeconds:0.00} s: {answer.ErrorDescription}");
        return (answer, clock.Elapsed);
    }

    /// <summary>The backends are killed (SIGKILL after StopTimeout), the sessions gone, their token files removed.</summary>
    private static async Task AssertCleanedUpAsync(SessionRig rig, int[] sessionIds)
    {
        foreach (int id in sessionIds)
        {
            var report = await rig.ReportAsync(id);
            int pid = int.Parse(report["pid"], CultureInfo.InvariantCulture);
            await Wait.UntilAsync(() => !SessionRig.ProcessExists(pid), $"the backend of session {id} (pid {pid}) is killed", Patience);
            await Wait.UntilAsync(() => !File.Exists(Path.Combine(rig.Daemon.DataDirectory, $"ogon.session.{id}")), $"the token file of session {id} is removed", Patience);
        }

        Assert.Empty(rig.Daemon.Sessions.All());
    }
}
