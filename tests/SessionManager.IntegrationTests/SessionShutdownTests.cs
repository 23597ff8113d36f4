using System.Diagnostics;
using System.Globalization;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>Sessions:OnShutdown: logoff (the default) ends every session when the daemon stops; keep leaves them running.</summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionShutdownTests
{
    [RootFact]
    public async Task By_default_stopping_the_daemon_logs_every_session_off_and_stops_its_backend()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        Assert.True((await rig.LogonAsync(2, "smtest2", SessionRig.Password2)).Succeeded);
        Assert.True((await rig.LogonAsync(3, "", "")).Succeeded);
        int[] pids = [.. rig.Daemon.Sessions.All().Select(s => s.BackendPid!.Value)];

        await rig.Daemon.StopAsync();

        Assert.Empty(rig.Daemon.Sessions.All());
        var loggedOff = rig.RequestsOfType(MsgType.LogoffUserSession).Select(r => LogoffUserSessionRequest.Parser.ParseFrom(r.Payload).ConnectionId);
        Assert.Equal([1u, 2u, 3u], loggedOff.Order());
        foreach (int pid in pids)
        {
            await Wait.UntilAsync(() => !SessionRig.ProcessExists(pid), $"backend {pid} is gone", TimeSpan.FromSeconds(20));
        }
    }

    [RootFact]
    public async Task With_keep_stopping_the_daemon_leaves_the_backend_running()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:OnShutdown=keep");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        int pid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;
        int launcher = int.Parse(rig.Daemon.Logs.WithEventName("BackendStarted").Single().Text("LauncherPid"), CultureInfo.InvariantCulture);
        try
        {
            await rig.Daemon.StopAsync();

            // Longer than the backend's StopTimeout (2 s): a stop that had been asked would be done.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.True(SessionRig.ProcessExists(pid), "the backend still runs");
            Assert.Empty(rig.RequestsOfType(MsgType.LogoffUserSession));
            Assert.NotNull(await rig.Daemon.Logs.WaitForAsync("KeepingSessionsAtShutdown"));
        }
        finally
        {
            Kill(pid);
            Kill(launcher);
        }

        await Wait.UntilAsync(() => !SessionRig.ProcessExists(pid), "the backend is killed");
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // already gone
        }
    }
}
