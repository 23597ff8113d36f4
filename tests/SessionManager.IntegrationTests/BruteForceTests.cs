using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Password guessing is slow and visible: after Auth:MaxFailures within Auth:FailureWindow a user
/// or an address is refused without PAM; every failure is one line that the shipped fail2ban
/// filter matches, in both log formats, checked with fail2ban-regex on the daemon's real output.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed partial class BruteForceTests
{
    [RootFact]
    public async Task After_the_allowed_failures_a_user_is_refused_without_PAM()
    {
        await using var daemon = await Daemon.StartAsync("Auth:MaxFailures=3");
        using var client = await daemon.ClientAsync();

        for (int i = 0; i < 3; i++)
        {
            Assert.False((await client.logonConnection("smtest1", "guess" + i, "")).Success);
        }

        int launchersBefore = daemon.Logs.WithEventName("LauncherStarted").Count();
        var refused = await client.logonConnection("smtest1", SessionRig.Password1, "");

        Assert.False(refused.Success);
        Assert.Equal(launchersBefore, daemon.Logs.WithEventName("LauncherStarted").Count()); // PAM not asked
        Assert.Equal(4, daemon.Logs.WithEventName("AuthenticationFailure").Count());
        Assert.Contains("too many failures for this user", daemon.Logs.WithEventName("AuthenticationFailure").Last().RenderMessage(), StringComparison.Ordinal);

        Assert.DoesNotContain(daemon.Logs.Events, e => e.RenderMessage().Contains("guess", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task Failures_from_one_address_refuse_every_user_from_it()
    {
        await using var daemon = await Daemon.StartAsync("Auth:MaxFailures=2");
        using var client = await daemon.ClientAsync();
        Assert.False((await client.logonConnection("smtest2", "a", "")).Success);
        Assert.False((await client.logonConnection("smtest3", "b", "")).Success);

        var other = await client.logonConnection("smtest1", SessionRig.Password1, "");

        Assert.False(other.Success);
        Assert.Contains("too many failures for this client address", daemon.Logs.WithEventName("AuthenticationFailure").Last().RenderMessage(), StringComparison.Ordinal);
    }

    [RootTheory]
    [InlineData("text")]
    [InlineData("json")]
    public async Task The_shipped_fail2ban_filter_matches_every_failure_line_of_the_real_daemon(string format)
    {
        using var dir = new TempDirectory();
        int port = DaemonProcess.FreePort();
        using (var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", $"--FdsApi:Port={port}", $"--Log:Format={format}", "--Auth:MaxFailures=2"))
        {
            await daemon.WaitForOutputAsync("fdsapi listening");
            using var client = await FdsApiTestClient.ConnectAsync(port);
            for (int i = 0; i < 3; i++)
            {
                Assert.False((await client.logonConnection("smtest1", "wrong", "")).Success); // 2 PAM failures, then refused
            }

            await daemon.SendSigTermAsync();
            await daemon.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            await File.WriteAllTextAsync(Path.Combine(dir.Path, "daemon.log"), daemon.StandardOutput);
        }

        string filter = Path.Combine(ToolingTests.RepositoryRoot(), "deploy/fail2ban/filter.d/sessionmanager.conf");
        var run = Process.Start(new ProcessStartInfo("fail2ban-regex", [Path.Combine(dir.Path, "daemon.log"), filter]) { RedirectStandardOutput = true })!;
        string report = await run.StandardOutput.ReadToEndAsync();
        await run.WaitForExitAsync();

        Assert.Equal(0, run.ExitCode);
        var matched = MatchedLines().Match(report);
        Assert.True(matched.Success, report);
        Assert.Equal("3", matched.Groups[1].Value);
        Assert.Contains("127.0.0.1", report, StringComparison.Ordinal);
    }


    [GeneratedRegex(@"Lines: \d+ lines, \d+ ignored, (\d+) matched")]
    private static partial Regex MatchedLines();
}
