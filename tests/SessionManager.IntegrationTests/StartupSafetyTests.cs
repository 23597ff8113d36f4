using System.Net.Sockets;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Start-up as an operator meets it, on the published daemon as a process: every bad setting
/// is one line on stderr and exit 2 (never a crash), files at the socket path are not ours to
/// delete, and a second instance learns of the first without disturbing it.
/// </summary>
public sealed class StartupSafetyTests
{
    [Theory]
    [InlineData("--Log:Console=maybe", "Log:Console: must be true or false (got 'maybe')")]
    [InlineData("--Serilog:MinimumLevel:Default=Loud", "Serilog:MinimumLevel:Default: 'Loud' is not a level")]
    [InlineData("--Serilog:MinimumLevel:Override:SessionManager=7", "Serilog:MinimumLevel:Override:SessionManager: '7' is not a level")]
    [InlineData("--Log:Format=xml", "Log:Format: must be text, json or auto (got 'xml')")]
    [InlineData("--Icp:SocketMode=0777", "Icp:SocketMode: 0777 lets every local user write to the socket")]
    [InlineData("--Icp:SocketMode=0662", "Icp:SocketMode: 0662 lets every local user write to the socket")]
    [InlineData("--Icp:SocketMode=4660", "Icp:SocketMode: 4660 is not a plain permission mode")]
    [InlineData("--Icp:SocketPath=sm.sock", "Icp:SocketPath: must be an absolute path")]
    public async Task A_bad_setting_is_one_line_and_exit_2(string setting, string expected)
    {
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", setting);

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(daemon, expected);
    }

    [Fact]
    public async Task A_socket_path_too_long_for_sun_path_is_one_line()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, new string('s', 120));
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={path}", "--FdsApi:Port=0");

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(daemon, $"Icp:SocketPath: {path} is {path.Length} bytes long; a Unix socket path can be at most 107");
    }

    [Fact]
    public async Task Several_bad_log_settings_are_reported_together_with_the_others()
    {
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=70000", "--Log:Console=maybe", "--Log:Format=xml");

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(daemon, "Log:Format: must be text, json or auto (got 'xml'); Log:Console: must be true or false (got 'maybe'); FdsApi:Port: must be 0-65535 (got 70000)");
    }

    [Fact]
    public async Task A_regular_file_at_the_socket_path_stops_startup_and_is_kept()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        await File.WriteAllTextAsync(socketPath, "not a socket");
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", "--FdsApi:Port=0");

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(daemon, $"Icp:SocketPath: {socketPath} is a regular file, not a socket");
        Assert.Equal("not a socket", await File.ReadAllTextAsync(socketPath));
    }

    [Fact]
    public async Task A_directory_at_the_socket_path_stops_startup()
    {
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={dir.Path}", "--FdsApi:Port=0");

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(daemon, $"Icp:SocketPath: {dir.Path} is a directory; name the socket file inside it");
        Assert.True(Directory.Exists(dir.Path));
    }

    [Fact]
    public async Task A_socket_directory_others_may_write_to_stops_startup()
    {
        using var dir = new TempDirectory();
        var shared = Path.Combine(dir.Path, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111);
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(shared, "sm.sock")}", "--FdsApi:Port=0");

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(daemon, "a local user could swap the sockets");
    }

    [Fact]
    public async Task A_second_instance_names_the_first_by_pid_and_the_first_sees_nobody_connect()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        using var first = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", "--FdsApi:Port=0");
        await first.WaitForOutputAsync("fdsapi listening");

        using var second = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", "--FdsApi:Port=0");
        Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(second, $"Icp:SocketPath: {socketPath} is in use by another running session manager (pid {first.Process.Id})");

        // The first daemon still serves, and an RDS server connecting now is the first it logs.
        await using var rds = await FakeRdsPeer.ConnectWithHandshakeAsync(socketPath).ContinueWith(t => t.Result.Peer);
        await first.WaitForOutputAsync("RDS server connected");
        var connects = first.StandardOutput.Split('\n').Count(l => l.Contains("RDS server connected", StringComparison.Ordinal) || l.Contains("second ICP connection", StringComparison.Ordinal));
        Assert.Equal(1, connects);
    }

    [Fact]
    public async Task A_killed_daemons_lock_is_free_again_and_its_socket_replaced()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        using (var killed = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", "--FdsApi:Port=0"))
        {
            await killed.WaitForOutputAsync("fdsapi listening");
            killed.Process.Kill();
            await killed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        using var next = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", "--FdsApi:Port=0");
        await next.WaitForOutputAsync("fdsapi listening");
        Assert.Contains($"Replaced stale socket file {socketPath}", next.StandardOutput, StringComparison.Ordinal);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
    }

    [RootFact]
    public async Task A_state_directory_group_may_write_to_stops_startup()
    {
        using var dir = new TempDirectory();
        var state = StateDirectory(dir, (UnixFileMode)0b111_111_000);
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", $"--Launcher:StateDirectory={state}");

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(daemon, $"Launcher:StateDirectory: {state} has mode 0770, it must be 0700");
    }

    [RootFact]
    public async Task A_state_directory_owned_by_another_user_stops_startup()
    {
        using var dir = new TempDirectory();
        var state = StateDirectory(dir, (UnixFileMode)0b111_000_000);
        await ChownAsync("smtest1", state);
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", $"--Launcher:StateDirectory={state}");

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertOneLine(daemon, $"Launcher:StateDirectory: {state} is owned by uid {Uid("smtest1")}, not by root");
    }

    [RootFact]
    public async Task A_file_of_another_user_or_writable_by_others_in_the_state_directory_stops_startup()
    {
        using var dir = new TempDirectory();
        var state = StateDirectory(dir, (UnixFileMode)0b111_000_000);
        var foreign = Path.Combine(state, "launcher-x.sock");
        await File.WriteAllTextAsync(foreign, "");
        await ChownAsync("smtest1", foreign);
        using (var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", $"--Launcher:StateDirectory={state}"))
        {
            Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            AssertOneLine(daemon, $"Launcher:StateDirectory: {foreign} is owned by uid {Uid("smtest1")}, not by root");
        }

        File.Delete(foreign);
        var shared = Path.Combine(state, "spawner-x.sock");
        await File.WriteAllTextAsync(shared, "");
        File.SetUnixFileMode(shared, (UnixFileMode)0b110_110_110);
        using (var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", $"--Launcher:StateDirectory={state}"))
        {
            Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            AssertOneLine(daemon, $"Launcher:StateDirectory: {shared} (mode 0666) is writable by group or others");
        }
    }

    [RootFact]
    public async Task A_missing_state_directory_is_created_root_only()
    {
        using var dir = new TempDirectory();
        var state = Path.Combine(dir.Path, "state");
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", $"--Launcher:StateDirectory={state}");

        // Once every hosted service has started (the launchers' warm-up prepares the directory;
        // fdsapi may listen before it).
        await daemon.WaitForOutputAsync("Application started");
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(state));
    }

    private static string StateDirectory(TempDirectory dir, UnixFileMode mode)
    {
        var state = Path.Combine(dir.Path, "state");
        Directory.CreateDirectory(state);
        File.SetUnixFileMode(state, mode);
        return state;
    }

    private static async Task ChownAsync(string user, string path)
    {
        using var chown = System.Diagnostics.Process.Start("chown", [user, path])!;
        await chown.WaitForExitAsync();
        Assert.Equal(0, chown.ExitCode);
    }

    private static string Uid(string user)
    {
        using var id = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("id", ["-u", user]) { RedirectStandardOutput = true })!;
        string uid = id.StandardOutput.ReadToEnd().Trim();
        id.WaitForExit();
        return uid;
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_prints_every_key_with_its_default_and_exits_0_without_starting(string flag)
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", flag);

        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Wait.UntilAsync(() => daemon.StandardOutput.Contains("Serilog:MinimumLevel:Override", StringComparison.Ordinal), "the whole usage is read");
        Assert.StartsWith("usage: SessionManager", daemon.StandardOutput, StringComparison.Ordinal);
        foreach (var key in SessionManager.Hosting.ConfigurationKeys.All)
        {
            Assert.Contains($"  {key.Key}  ({key.Default})\n      {key.Meaning}\n", daemon.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Equal("", daemon.StandardError);
        Assert.False(File.Exists(socketPath), "--help does not start the daemon");
    }

    private static void AssertOneLine(DaemonProcess daemon, string expected)
    {
        var line = Assert.Single(daemon.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("SessionManager: cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", daemon.StandardOutput + daemon.StandardError, StringComparison.Ordinal);
    }
}
