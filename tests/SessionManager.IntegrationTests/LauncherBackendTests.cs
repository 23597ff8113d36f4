using System.Diagnostics;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Launcher;
using static SessionManager.IntegrationTests.Support.LauncherTestHost;

namespace SessionManager.IntegrationTests;

/// <summary>What starting a backend does, observed from inside the backend (a shell script that
/// writes what it sees to a file) and from /proc.</summary>
public sealed class LauncherBackendTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    // Everything a backend can tell about itself; /proc/self/stat fields 5 and 6 are its
    // process group and session.
    private const string Probe =
        "{ echo uid=$(id -u); echo gid=$(id -g); echo groups=$(id -G); echo cwd=$(pwd); echo pid=$$; " +
        "set -- $(cut -d')' -f2 /proc/$$/stat); echo pgid=$3; echo sid=$4; echo ENV; env; } > \"$0\"";

    private static async Task<LauncherConnection> AuthenticatedAsync(SessionLauncher launcher, int user)
    {
        var c = await launcher.LaunchAsync();
        await c.AuthenticateAsync(User(user), Password(user), "10.9.8.7");
        return c;
    }

    private static Dictionary<string, string> ParseProbe(string path, out Dictionary<string, string> env)
    {
        var lines = File.ReadAllLines(path);
        int split = Array.IndexOf(lines, "ENV");
        env = lines[(split + 1)..].Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return lines[..split].Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    [RootFact]
    public async Task The_user_backend_runs_with_the_users_identity_home_own_session_and_a_clean_environment_with_PAMs()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log, a => a.PamService = "sessionmanager-env");
        using var dir = WorldWritableDirectory();
        string output = Path.Combine(dir.Path, "probe");
        await using var c = await AuthenticatedAsync(launcher, 1);

        var started = await c.StartBackendAsync(new BackendSpec(
            ["/bin/sh", "-c", Probe, output],
            new Dictionary<string, string> { ["OGON_SID"] = "2", ["OGON_BACKEND_COOKIE"] = "abc" },
            BackendIdentity.AuthenticatedUser));
        var exit = await c.Exited.WaitAsync(Long);

        Assert.Equal(0, exit.ExitCode);
        var seen = ParseProbe(output, out var env);
        var pw = Passwd(User(1));
        Assert.Equal(pw[2], seen["uid"]);
        Assert.Equal(pw[3], seen["gid"]);
        Assert.Equal(Run("id", "-G", User(1)).Split(' ').Order(), seen["groups"].Split(' ').Order());
        Assert.Equal(pw[5], seen["cwd"]);
        Assert.Equal(started.Pid.ToString(), seen["pid"]);
        Assert.Equal(seen["pid"], seen["pgid"]);
        Assert.Equal(seen["pid"], seen["sid"]);
        Assert.Equal(started.Pid, started.ProcessGroup);
        Assert.Equal("from-pam-env", started.PamEnvironment["SM_TEST_PAM_ENV"]);
        env.Remove("PWD"); // the shell's own
        var expected = new Dictionary<string, string>
        {
            ["USER"] = User(1), ["LOGNAME"] = User(1), ["HOME"] = pw[5], ["SHELL"] = pw[6], ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["OGON_SID"] = "2", ["OGON_BACKEND_COOKIE"] = "abc",
        };
        foreach (var (k, v) in started.PamEnvironment)
        {
            expected[k] = v; // e.g. XDG_SESSION_CLASS, and XDG_RUNTIME_DIR where logind runs
        }

        Assert.Equal(expected.OrderBy(p => p.Key), env.OrderBy(p => p.Key));
        Assert.Equal(0, await c.LauncherExit!.WaitAsync(Long));
    }

    [RootFact]
    public async Task A_missing_program_fails_naming_it_and_the_launcher_ends()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        await using var c = await AuthenticatedAsync(launcher, 2);

        var e = await Assert.ThrowsAsync<LauncherException>(() => c.StartBackendAsync(new BackendSpec(
            ["/nonexistent/backend", "-x"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser)));

        Assert.Equal("program not found: /nonexistent/backend", e.Message);
        Assert.Equal(0, await c.LauncherExit!.WaitAsync(Long));
    }

    [RootFact]
    public async Task The_backends_exit_status_is_reported_and_the_launcher_is_gone()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        await using var c = await AuthenticatedAsync(launcher, 3);

        await c.StartBackendAsync(new BackendSpec(["sh", "-c", "exit 7"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser));

        Assert.Equal(new BackendExit(7, null), await c.Exited.WaitAsync(Long));
        Assert.Equal(0, await c.LauncherExit!.WaitAsync(Long));
        Assert.False(IsAlive(c.LauncherPid));
        Assert.Contains(log.Lines, l => l.Contains("BackendExited", StringComparison.Ordinal) && l.Contains("exit code 7", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task Stop_sends_SIGTERM_to_the_process_group()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        using var dir = WorldWritableDirectory();
        string pids = Path.Combine(dir.Path, "pids");
        await using var c = await AuthenticatedAsync(launcher, 1);
        // A shell with a child: both get the SIGTERM, as a group.
        var started = await c.StartBackendAsync(new BackendSpec(
            ["/bin/sh", "-c", "sleep 60 & echo $! > \"$0\"; wait", pids], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser));
        await Wait.UntilAsync(() => File.Exists(pids) && File.ReadAllText(pids).Trim().Length > 0, "the backend wrote its child's pid");
        int child = int.Parse(File.ReadAllText(pids).Trim());

        await c.StopAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new BackendExit(null, 15), await c.Exited.WaitAsync(Long));
        await Wait.UntilAsync(() => !IsAlive(child), "the backend's child got the SIGTERM too");
        Assert.Empty(ProcessesInGroup(started.ProcessGroup));
    }

    [RootFact]
    public async Task Stop_SIGKILLs_a_backend_that_ignores_SIGTERM_after_the_timeout()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        await using var c = await AuthenticatedAsync(launcher, 2);
        var started = await c.StartBackendAsync(new BackendSpec(
            ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 1; done"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser));
        await Task.Delay(300); // let the shell install its trap

        var watch = Stopwatch.StartNew();
        await c.StopAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(new BackendExit(null, 9), await c.Exited.WaitAsync(Long));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"SIGKILL came after the timeout, not at {watch.Elapsed}");
        await Wait.UntilAsync(() => ProcessesInGroup(started.ProcessGroup).Count == 0, "the whole group is gone");
    }

    [RootFact]
    public async Task A_greeter_runs_as_nobody_without_authentication_and_without_a_PAM_session()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        using var dir = WorldWritableDirectory();
        string output = Path.Combine(dir.Path, "probe");
        await using var c = await launcher.LaunchAsync();

        var started = await c.StartBackendAsync(new BackendSpec(
            ["/bin/sh", "-c", Probe, output], new Dictionary<string, string> { ["OGON_USER"] = "typed-name" }, BackendIdentity.Account("nobody")));

        Assert.Equal(0, (await c.Exited.WaitAsync(Long)).ExitCode);
        Assert.Empty(started.PamEnvironment);
        var seen = ParseProbe(output, out var env);
        var pw = Passwd("nobody");
        Assert.Equal(pw[2], seen["uid"]);
        Assert.Equal(pw[3], seen["gid"]);
        Assert.Equal("/", seen["cwd"]); // nobody's home /nonexistent does not exist
        env.Remove("PWD");
        Assert.Equal(["HOME", "LOGNAME", "OGON_USER", "PATH", "SHELL", "USER"], env.Keys.Order());
        await Assert.ThrowsAsync<ArgumentException>(() => c.StartBackendAsync(new BackendSpec(["/bin/true"], new Dictionary<string, string>(), BackendIdentity.Account("root"))));
    }

    [RootFact]
    public async Task A_new_connection_after_the_first_closed_sees_the_running_backend_and_can_stop_it()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        var first = await AuthenticatedAsync(launcher, 3);
        var started = await first.StartBackendAsync(new BackendSpec(["sleep", "60"], new Dictionary<string, string>(), BackendIdentity.AuthenticatedUser));
        var launcherExit = first.LauncherExit!;
        await first.DisposeAsync();
        await Task.Delay(200);
        Assert.True(IsAlive(started.Pid), "the backend outlives the daemon's connection");

        await using var second = await launcher.ReconnectAsync(first.SocketPath);
        var status = await second.GetStatusAsync();

        Assert.Equal(new LauncherStatus("running", User(3), started.Pid, started.Pid, null), status);
        Assert.Equal(first.LauncherPid, second.LauncherPid);
        await second.StopAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new BackendExit(null, 15), await second.Exited.WaitAsync(Long));
        Assert.Equal(0, await launcherExit.WaitAsync(Long));
    }

    [RootFact]
    public async Task Valgrind_finds_no_memory_errors_in_a_whole_session()
    {
        if (!File.Exists("/usr/bin/valgrind"))
        {
            Assert.Fail("valgrind is missing: tests/run-all.sh installs it");
        }

        var log = new ListLogger();
        using var launcher = CreateLauncher(log, a => a.Timeout = TimeSpan.FromSeconds(60), l => l.StartTimeout = TimeSpan.FromSeconds(60),
            ["/usr/bin/valgrind", "-q", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite"]);
        await using var c = await launcher.LaunchAsync();
        await Assert.ThrowsAsync<AuthenticationFailedException>(() => c.AuthenticateAsync(User(1), "wrong", "10.0.0.1"));
        await c.DisposeAsync();
        Assert.Equal(0, await c.LauncherExit!.WaitAsync(TimeSpan.FromMinutes(2)));

        await using var d = await launcher.LaunchAsync();
        await d.AuthenticateAsync(User(1), Password(1), "10.0.0.1");
        await d.StartBackendAsync(new BackendSpec(["/bin/true"], new Dictionary<string, string> { ["A"] = "b" }, BackendIdentity.AuthenticatedUser));
        Assert.Equal(0, (await d.Exited.WaitAsync(TimeSpan.FromMinutes(2))).ExitCode);
        Assert.Equal(0, await d.LauncherExit!.WaitAsync(TimeSpan.FromMinutes(2)));
    }
}
