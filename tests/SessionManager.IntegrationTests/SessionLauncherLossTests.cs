using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Backends;

namespace SessionManager.IntegrationTests;

/// <summary>
/// A session's sm-launcher killed (SIGKILL: no EXITED, no clean close): in mid-session the
/// session ends all the same (backend stopped by its recorded pid, token file removed, the RDS
/// told), and during the logon's backend start nothing of the half-made session is left. Real
/// PAM, launcher and stand-in backend.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionLauncherLossTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [RootFact]
    public async Task A_launcher_killed_in_mid_session_ends_the_session_and_its_backend()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        var report = await rig.ReportAsync(2);
        int backend = int.Parse(report["pid"], CultureInfo.InvariantCulture);
        int launcher = int.Parse(report["ppid"], CultureInfo.InvariantCulture);
        Assert.Equal("sm-launcher", File.ReadAllText($"/proc/{launcher}/comm").Trim());
        string tokenFile = Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2");
        Assert.True(File.Exists(tokenFile));

        KillHard(launcher);

        await Wait.UntilAsync(() => rig.Daemon.Sessions.Find(2) is null, "the session ends", Patience);
        await Wait.UntilAsync(() => !Runs(backend), $"the backend (pid {backend}) is stopped", Patience);
        await Wait.UntilAsync(() => !File.Exists(tokenFile), "the token file is removed", Patience);
        await Wait.UntilAsync(() => rig.RequestsOfType(MsgType.LogoffUserSession).Count == 1, "the RDS is told to close the connection", Patience);
        Assert.Equal(1u, LogoffUserSessionRequest.Parser.ParseFrom(rig.RequestsOfType(MsgType.LogoffUserSession)[0].Payload).ConnectionId);
        var lost = Assert.Single(rig.Daemon.Logs.WithEventName("SessionLauncherLost"));
        Assert.Equal(launcher.ToString(CultureInfo.InvariantCulture), lost.Text("LauncherPid"));
    }

    [RootFact]
    public async Task A_launcher_killed_while_the_logon_waits_for_the_backend_leaves_nothing_behind()
    {
        // A desktop that never creates its endpoint and uses a display number; the logon waits long.
        await using var rig = await SessionRig.StartAsync("Backends:desktop:Command:5=--never-listen", "Backends:desktop:StartTimeout=00:01:00",
            "Backends:desktop:Endpoint=ogon_{SessionId}_X11_{Display}", "Sessions:LogonBudget=00:00:09");
        await rig.SendLogonUserAsync(1, "smtest1", SessionRig.Password1);
        var report = await rig.ReportAsync(2);
        int backend = int.Parse(report["pid"], CultureInfo.InvariantCulture);
        int launcher = int.Parse(report["ppid"], CultureInfo.InvariantCulture);
        int display = rig.Daemon.Sessions.Find(2)!.Display!.Value;
        string tokenFile = Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2");
        Assert.True(File.Exists(tokenFile));

        KillHard(launcher);

        var answer = await rig.Rds.ReadResponseAsync(Patience);
        Assert.Equal(RPCStatus.Failed, answer.Status);
        await Wait.UntilAsync(() => rig.Daemon.Sessions.All().Count == 0, "no session is left", Patience);
        await Wait.UntilAsync(() => !Runs(backend), $"the backend (pid {backend}) is stopped", Patience);
        await Wait.UntilAsync(() => !File.Exists(tokenFile), "the token file is removed", Patience);
        var displays = rig.Daemon.Services.GetRequiredService<DisplayAllocator>();
        int again = displays.Allocate(10);
        displays.Release(again);
        Assert.Equal(display, again); // released: the lowest free number once more
    }

    private static void KillHard(int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Runs, not a zombie waiting for init (which the backend's parent is once its launcher died).</summary>
    private static bool Runs(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
