using System.Diagnostics;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Launcher;
using static SessionManager.IntegrationTests.Support.LauncherTestHost;

namespace SessionManager.IntegrationTests;

/// <summary>sm-launcher against real PAM (pam_unix with the accounts of tests/setup-test-host.sh).</summary>
public sealed class LauncherAuthenticationTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [RootFact]
    public async Task A_good_password_gives_the_canonical_account_from_the_system()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        await using var c = await launcher.LaunchAsync();

        var account = await c.AuthenticateAsync(User(1), Password(1), "10.1.2.3");

        var pw = Passwd(User(1));
        Assert.Equal(User(1), account.UserName);
        Assert.Equal(uint.Parse(pw[2]), account.Uid);
        Assert.Equal(uint.Parse(pw[3]), account.Gid);
        Assert.Equal(pw[5], account.Home);
        Assert.Equal(pw[6], account.Shell);
        var groups = Run("id", "-G", User(1)).Split(' ').Select(uint.Parse).Order();
        Assert.Equal(groups, account.Groups.Order());
        Assert.Contains(uint.Parse(Run("getent", "group", Group).Split(':')[2]), account.Groups);
        Assert.Equal("authenticated", (await c.GetStatusAsync()).State);

        await c.DiscardAsync();
        Assert.Equal(0, await c.LauncherExit!.WaitAsync(Long));
        Assert.False(File.Exists(c.SocketPath), "the launcher removes its socket");
        Assert.DoesNotContain(Password(1), log.All, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task A_wrong_password_fails_with_PAMs_text_and_the_password_is_nowhere()
    {
        const string wrong = "Wrong-Secret-4711";
        var log = new ListLogger();
        using var launcher = CreateLauncher(log);
        await using var c = await launcher.LaunchAsync();

        var e = await Assert.ThrowsAsync<AuthenticationFailedException>(() => c.AuthenticateAsync(User(1), wrong, "10.1.2.3"));

        Assert.StartsWith("authentication failed: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, e.ToString(), StringComparison.Ordinal);
        Assert.Contains(log.Lines, l => l.Contains("AuthenticationFailed", StringComparison.Ordinal) && l.Contains(User(1), StringComparison.Ordinal));
        await c.DisposeAsync();
        await c.LauncherExit!.WaitAsync(Long); // its stderr is all in the log now
        Assert.DoesNotContain(wrong, log.All, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task A_hanging_PAM_module_is_killed_after_Auth_Timeout_while_another_logon_succeeds()
    {
        var log = new ListLogger();
        using var hanging = CreateLauncher(log, a => { a.PamService = "sessionmanager-hang"; a.Timeout = TimeSpan.FromSeconds(2); });
        using var normal = CreateLauncher(log);
        await using var stuck = await hanging.LaunchAsync();
        await using var other = await normal.LaunchAsync();

        var watch = Stopwatch.StartNew();
        var hung = stuck.AuthenticateAsync(User(1), Password(1), "10.0.0.1");
        var fine = other.AuthenticateAsync(User(2), Password(2), "10.0.0.2");

        Assert.Equal(User(2), (await fine.WaitAsync(Long)).UserName);
        Assert.False(hung.IsCompleted, "the hung one is still waiting when the other has finished");
        var e = await Assert.ThrowsAsync<AuthenticationFailedException>(() => hung.WaitAsync(Long));
        Assert.Equal("authentication timed out after 2 s", e.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(30));

        await stuck.LauncherExit!.WaitAsync(Long);
        await Wait.UntilAsync(() => ProcessesInGroup(stuck.LauncherPid).Count == 0, "the launcher and the PAM module's sleep are gone");
        Assert.False(File.Exists(stuck.SocketPath), "the killed launcher's socket is removed");
        await other.DiscardAsync();
    }

    [RootFact]
    public async Task Twenty_parallel_logons_with_MaxConcurrent_4_all_succeed()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log, a => a.MaxConcurrent = 4);
        var logons = Enumerable.Range(0, 20).Select(async i =>
        {
            int n = (i % 3) + 1;
            await using var c = await launcher.LaunchAsync();
            var account = await c.AuthenticateAsync(User(n), Password(n), $"10.0.0.{i}");
            await c.DiscardAsync();
            return account.UserName == User(n);
        });

        var results = await Task.WhenAll(logons).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.All(results, Assert.True);
    }

    [RootFact]
    public async Task A_missing_launcher_fails_the_logon_with_a_clear_reason()
    {
        var log = new ListLogger();
        using var launcher = CreateLauncher(log, launcher: l => l.Path = "/nonexistent/sm-launcher");

        var e = await Assert.ThrowsAsync<LauncherException>(() => launcher.LaunchAsync());

        Assert.Contains("/nonexistent/sm-launcher does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains(log.Lines, l => l.Contains("LauncherMissing", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_options_are_reported_naming_their_key()
    {
        var auth = new AuthOptionsValidator().Validate(null, new AuthOptions { PamService = "../x", Timeout = TimeSpan.Zero, MaxConcurrent = 0 });
        var launcher = new LauncherOptionsValidator().Validate(null, new LauncherOptions { StateDirectory = "run", Path = "sm-launcher", StopTimeout = TimeSpan.FromDays(1) });

        Assert.Equal(
            ["Auth:PamService", "Auth:Timeout", "Auth:MaxConcurrent"],
            auth.Failures!.Select(f => f.Split(':')[0] + ":" + f.Split(':')[1]));
        Assert.Equal(
            ["Launcher:StateDirectory", "Launcher:Path", "Launcher:StopTimeout"],
            launcher.Failures!.Select(f => f.Split(':')[0] + ":" + f.Split(':')[1]));
        Assert.True(new AuthOptionsValidator().Validate(null, new AuthOptions()).Succeeded);
        Assert.True(new LauncherOptionsValidator().Validate(null, new LauncherOptions()).Succeeded);
    }
}
