using System.Globalization;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Launcher;
using static SessionManager.IntegrationTests.Support.LauncherTestHost;
using static SessionManager.IntegrationTests.Support.ProcStat;

namespace SessionManager.IntegrationTests;

/// <summary>Launchers started through sm-spawner: its end, what reaches the log, the pool, PAM's niceness.</summary>
public sealed class LauncherSpawnerTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [RootFact]
    public async Task When_the_spawner_dies_it_is_started_again_and_launchers_it_had_started_go_on()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        var first = await launcher.LaunchAsync();
        await first.AuthenticateAsync(User(1), Password(1), "10.0.0.1");
        var started = await first.StartBackendAsync(new BackendSpec(["sleep", "60"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser));
        int spawner = launcher.SpawnerPid;
        Assert.NotEqual(0, spawner);

        using (var p = System.Diagnostics.Process.GetProcessById(spawner))
        {
            p.Kill(); // SIGKILL
        }

        await Wait.UntilAsync(() => log.Lines.Any(l => l.StartsWith("3016 SpawnerEnded", StringComparison.Ordinal)), "the daemon saw the spawner end");
        await Wait.UntilAsync(() => launcher.SpawnerPid != 0 && launcher.SpawnerPid != spawner, "another spawner runs");
        await using var second = await launcher.LaunchAsync();
        Assert.Equal(User(2), (await second.AuthenticateAsync(User(2), Password(2), "10.0.0.2")).UserName);
        await second.DiscardAsync();

        // The orphaned launcher still supervises its backend; its end is seen without the spawner.
        Assert.Equal("running", (await first.GetStatusAsync()).State);
        Assert.True(IsAlive(started.Pid));
        await first.StopAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new BackendExit(null, 15), await first.Exited.WaitAsync(Long));
        Assert.Equal(-1, await first.LauncherExit!.WaitAsync(Long));
        await first.DisposeAsync();
    }

    [RootFact]
    public async Task A_launchers_stderr_lines_reach_the_log_with_its_pid()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        await using var c = await launcher.LaunchAsync();

        await Assert.ThrowsAsync<AuthenticationFailedException>(() => c.AuthenticateAsync(User(1), "Wrong-Secret-0815", "10.0.0.1"));

        await Wait.UntilAsync(() => log.Lines.Any(l => l.StartsWith("3003 LauncherSaid", StringComparison.Ordinal)
            && l.Contains($"LauncherPid={c.LauncherPid}", StringComparison.Ordinal) && l.Contains(User(1), StringComparison.Ordinal)),
            "the launcher's line about the failure is logged");
        Assert.DoesNotContain("Wrong-Secret-0815", log.All, StringComparison.Ordinal);
    }

    [RootTheory]
    [InlineData("echo 'sm-launcher: broken on purpose' >&2; exit 3", "sm-launcher ended before listening: broken on purpose")]
    [InlineData(null, "sm-launcher ended before listening: cannot run /nonexistent/wrapper: No such file or directory")]
    public async Task A_launcher_that_ends_before_listening_fails_with_its_last_line(string? script, string expected)
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log, prefix: script is null ? ["/nonexistent/wrapper"] : ["/bin/sh", "-c", script, "sh"]);

        var e = await Assert.ThrowsAsync<LauncherException>(() => launcher.LaunchAsync());

        Assert.Equal(expected, e.Message);
        Assert.Contains(log.Lines, l => l.StartsWith("3013 LauncherFailedToStart", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task Launchers_survive_the_daemons_launcher_client_and_its_spawner_going()
    {
        var log = new ListLogger();
        string socketPath;
        int launcherPid, backend, spawner;
        using (var launcher = CreateLauncher(log))
        {
            var c = await launcher.LaunchAsync();
            await c.AuthenticateAsync(User(3), Password(3), "10.0.0.3");
            backend = (await c.StartBackendAsync(new BackendSpec(["sleep", "60"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser))).Pid;
            (socketPath, launcherPid, spawner) = (c.SocketPath, c.LauncherPid, launcher.SpawnerPid);
            await c.DisposeAsync();
        }

        await Wait.UntilAsync(() => !IsAlive(spawner), "the spawner ends with its daemon connection");
        await Task.Delay(500); // the launcher takes a new connection once it has seen the old one close
        Assert.True(IsAlive(launcherPid), "the launcher goes on");
        Assert.True(IsAlive(backend), "so does its backend");

        using var restarted = CreateLauncher(log);
        await using var again = await restarted.ReconnectAsync(socketPath);
        Assert.Equal("running", (await again.GetStatusAsync()).State);
        await again.StopAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new BackendExit(null, 15), await again.Exited.WaitAsync(Long));
        await Wait.UntilAsync(() => !IsAlive(launcherPid), "the launcher ends after its backend");
    }

    [RootFact]
    public async Task A_launcher_told_to_end_by_SIGTERM_with_no_daemon_connected_ends_with_its_backend_not_at_its_deadline()
    {
        // What a logon past Sessions:LogonBudget leaves: the daemon closed the connection while
        // the backend started, and sent SIGTERM. The launcher used to keep the exit for a
        // restarted daemon until its 30 s connect deadline (seen in the logon storm).
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        var c = await launcher.LaunchAsync();
        await c.AuthenticateAsync(User(1), Password(1), "10.0.0.1");
        int backend = (await c.StartBackendAsync(new BackendSpec(["sleep", "60"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser))).Pid;
        int launcherPid = c.LauncherPid;
        await c.DisposeAsync();
        await Task.Delay(500); // the launcher has seen the connection close

        var sent = System.Diagnostics.Stopwatch.StartNew();
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", launcherPid.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await Wait.UntilAsync(() => !IsAlive(backend), "the backend got its SIGTERM", TimeSpan.FromSeconds(20));
        await Wait.UntilAsync(() => !IsAlive(launcherPid), "the launcher ends with it", TimeSpan.FromSeconds(20));
        Assert.True(sent.Elapsed < TimeSpan.FromSeconds(25), $"ended after {sent.Elapsed}, not at its 30 s connect deadline");
    }

    [RootFact]
    public async Task A_logon_takes_an_idle_launcher_of_the_pool_and_idle_ones_end_with_the_client()
    {
        var log = new ListLogger();
        var launcher = CreateLauncher(log, launcher: l => l.PoolSize = 2);
        int firstPid;
        await using (var first = await launcher.LaunchForLogonAsync())
        {
            firstPid = first.LauncherPid;
            Assert.Equal(User(1), (await first.AuthenticateAsync(User(1), Password(1), "10.0.0.1")).UserName);
            await first.DiscardAsync();
        }

        await Wait.UntilAsync(() => launcher.IdleLaunchers == 2, "the pool is filled after the first logon");
        await using var second = await launcher.LaunchForLogonAsync();
        Assert.Contains(log.Lines, l => l.StartsWith("3018 LauncherAssigned", StringComparison.Ordinal)
            && l.Contains($"LauncherPid={second.LauncherPid}", StringComparison.Ordinal) && l.Contains("FromPool=True", StringComparison.Ordinal));
        Assert.Equal(User(2), (await second.AuthenticateAsync(User(2), Password(2), "10.0.0.2")).UserName);
        await second.DiscardAsync();
        await Wait.UntilAsync(() => launcher.IdleLaunchers == 2, "topped up again");
        // A discarded launcher ends on its own time: only the pool's are counted below.
        await Wait.UntilAsync(() => !IsAlive(firstPid) && !IsAlive(second.LauncherPid), "the two discarded launchers end");
        var idle = log.Lines.Where(l => l.StartsWith("3001 LauncherStarted", StringComparison.Ordinal))
            .Select(l => int.Parse(l.Split("LauncherPid=")[1].Split(' ')[0], CultureInfo.InvariantCulture)).Where(IsAlive).ToList();
        Assert.Equal(2, idle.Count);

        launcher.Dispose();

        await Wait.UntilAsync(() => !idle.Any(IsAlive), "idle launchers end when their connection closes");
    }

    [RootFact]
    public async Task PAM_runs_at_a_Launcher_PamPriority_niceness_and_the_backend_at_the_normal_priority()
    {
        var log = new ListLogger();
        using var hanging = CreateLauncher(log, a => { a.PamService = "sessionmanager-hang"; a.Timeout = TimeSpan.FromSeconds(3); }, l => l.PamPriority = "7");
        await using var stuck = await hanging.LaunchAsync();
        var auth = stuck.AuthenticateAsync(User(1), Password(1), "10.0.0.1");
        await Wait.UntilAsync(() => Nice(stuck.LauncherPid) == 7, "the launcher runs PAM at niceness 7");
        await Assert.ThrowsAsync<AuthenticationFailedException>(() => auth.WaitAsync(Long));

        using var normal = CreateLauncher(log, launcher: l => l.PamPriority = "7");
        await using var c = await normal.LaunchAsync();
        // It waits for its first request already niced: a launcher woken at 0 would take the CPU
        // of the daemon thread that woke it for a scheduler slice (bench/README.md).
        Assert.Equal(7, Nice(c.LauncherPid));
        await c.AuthenticateAsync(User(2), Password(2), "10.0.0.2");
        Assert.Equal(0, Nice(c.LauncherPid));
        var started = await c.StartBackendAsync(new BackendSpec(["sleep", "60"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser));
        Assert.Equal(0, Nice(started.Pid));
        await c.StopAsync(TimeSpan.FromSeconds(10));
        await c.Exited.WaitAsync(Long);

        // A greeter's launcher starts its backend with no authentication: at 0 too.
        await using var g = await normal.LaunchAsync();
        Assert.Equal(7, Nice(g.LauncherPid));
        var greeter = await g.StartBackendAsync(new BackendSpec(["sleep", "60"], new Dictionary<string, string>(), BackendIdentity.Account("nobody")));
        Assert.Equal(0, Nice(g.LauncherPid));
        Assert.Equal(0, Nice(greeter.Pid));
        await g.StopAsync(TimeSpan.FromSeconds(10));
        await g.Exited.WaitAsync(Long);
    }

    [RootFact]
    public async Task A_launcher_has_its_own_process_group_in_the_daemons_session_and_its_backend_a_session_of_its_own()
    {
        // Linux schedules by session (autogroups): in a session of its own, a launcher's password
        // hashing would weigh as much as the whole daemon, whatever Launcher:PamPriority says.
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        await using var c = await launcher.LaunchAsync();
        var (group, session) = GroupAndSession(c.LauncherPid);
        Assert.Equal((SchedOther, 0), (Policy(c.LauncherPid), Nice(c.LauncherPid))); // Launcher:PamPriority's default
        Assert.Equal(c.LauncherPid, group);
        Assert.Equal(GroupAndSession(Environment.ProcessId).Session, session);
        if (File.Exists("/proc/self/autogroup"))
        {
            Assert.Equal(File.ReadAllText("/proc/self/autogroup").Split(' ')[0], File.ReadAllText($"/proc/{c.LauncherPid}/autogroup").Split(' ')[0]);
        }

        await c.AuthenticateAsync(User(1), Password(1), "10.0.0.1");
        var started = await c.StartBackendAsync(new BackendSpec(["sleep", "60"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser));
        Assert.Equal((started.Pid, started.Pid), GroupAndSession(started.Pid));
        await c.StopAsync(TimeSpan.FromSeconds(10));
        await c.Exited.WaitAsync(Long);
    }

    [RootFact]
    public async Task At_PamPriority_idle_a_launcher_waits_and_runs_PAM_at_SCHED_IDLE_and_its_backend_at_SCHED_OTHER()
    {
        // At SCHED_IDLE a launcher woken by the daemon never takes the daemon thread's CPU, and
        // its hashing gets only what the daemon leaves (bench/README.md "Logon storm").
        var log = new ListLogger();
        using var hanging = CreateLauncher(log, a => { a.PamService = "sessionmanager-hang"; a.Timeout = TimeSpan.FromSeconds(3); }, l => l.PamPriority = "idle");
        await using var stuck = await hanging.LaunchAsync();
        Assert.Equal(SchedIdle, Policy(stuck.LauncherPid));
        var auth = stuck.AuthenticateAsync(User(1), Password(1), "10.0.0.1");
        await Assert.ThrowsAsync<AuthenticationFailedException>(() => auth.WaitAsync(Long));

        using var launcher = CreateLauncher(log, launcher: l => l.PamPriority = "idle");
        await using var c = await launcher.LaunchAsync();
        Assert.Equal(SchedIdle, Policy(c.LauncherPid));
        await c.AuthenticateAsync(User(2), Password(2), "10.0.0.2");
        Assert.Equal((SchedOther, 0), (Policy(c.LauncherPid), Nice(c.LauncherPid)));
        var started = await c.StartBackendAsync(new BackendSpec(["sleep", "60"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser));
        Assert.Equal((SchedOther, 0), (Policy(started.Pid), Nice(started.Pid)));
        await c.StopAsync(TimeSpan.FromSeconds(10));
        await c.Exited.WaitAsync(Long);
    }

    [Fact]
    public void Pool_size_and_PAM_priority_are_checked_naming_their_keys()
    {
        var result = new LauncherOptionsValidator().Validate(null, new LauncherOptions { PoolSize = -1, PamPriority = "20" });

        Assert.Equal(["Launcher:PoolSize", "Launcher:PamPriority"], result.Failures!.Select(f => f.Split(':')[0] + ":" + f.Split(':')[1]));
    }

    [Theory]
    [InlineData("idle", true)]
    [InlineData("0", true)]
    [InlineData("19", true)]
    [InlineData("20", false)]
    [InlineData("-1", false)]
    [InlineData("07", false)]
    [InlineData(" 7", false)]
    [InlineData("Idle", false)]
    [InlineData("", false)]
    public void PAM_priority_is_idle_or_a_niceness_as_the_launcher_reads_it(string value, bool valid)
    {
        var result = new LauncherOptionsValidator().Validate(null, new LauncherOptions { PamPriority = value });

        Assert.Equal(valid, result.Succeeded);
    }

}
