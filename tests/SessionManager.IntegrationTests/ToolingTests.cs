using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SessionManager.Hosting;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>The things around the daemon: its systemd unit, the Thrift check script, the smtest tool.</summary>
public sealed class ToolingTests
{
    [Fact]
    public void The_systemd_unit_does_not_restart_on_a_configuration_error()
    {
        var unit = File.ReadAllLines(Path.Combine(RepositoryRoot(), "deploy", "sessionmanager.service"));

        var prevent = Assert.Single(unit, l => l.StartsWith("RestartPreventExitStatus=", StringComparison.Ordinal));
        Assert.Contains(DaemonRunner.ExitConfigurationError.ToString(System.Globalization.CultureInfo.InvariantCulture), prevent.Split('=')[1].Split(' '));
        Assert.Contains("Restart=on-failure", unit);
    }

    [Fact]
    public void The_systemd_unit_and_the_container_give_the_daemon_the_same_runtime_settings()
    {
        // DOTNET_GCgen0size has no runtimeconfig.json knob: the unit and the image set it, and the
        // benchmarks read the unit's lines.
        var unit = File.ReadAllLines(Path.Combine(RepositoryRoot(), "deploy", "sessionmanager.service"))
            .Where(l => l.StartsWith("Environment=DOTNET_", StringComparison.Ordinal)).Select(l => l["Environment=".Length..]).ToList();
        var image = File.ReadAllLines(Path.Combine(RepositoryRoot(), "Dockerfile"))
            .Where(l => l.StartsWith("ENV DOTNET_", StringComparison.Ordinal)).Select(l => l["ENV ".Length..]).ToList();

        Assert.Contains("DOTNET_GCgen0size=0x400000", unit);
        Assert.Equal(unit, image);
    }

    [Fact]
    public async Task Thrift_generate_check_leaves_no_temporary_files()
    {
        using var tmp = new TempDirectory();
        var info = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "thrift", "generate.sh"), ["--check"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["TMPDIR"] = tmp.Path;

        var (exitCode, stdout, stderr) = await RunAsync(info);

        Assert.True(exitCode == 0, $"generate.sh --check failed ({exitCode}): {stdout}{stderr}");
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public async Task Smtest_help_prints_the_usage_and_exits_0()
    {
        var (exitCode, stdout, stderr) = await SmtestAsync("--help");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("usage: smtest fake-rds", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Smtest_without_a_daemon_says_so_in_one_line_and_exits_69()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "absent.sock");

        var (exitCode, _, stderr) = await SmtestAsync("fake-rds", "--socket", socketPath);

        Assert.Equal(69, exitCode);
        Assert.Equal($"smtest: no session manager: {socketPath} does not exist", stderr.Trim());
    }

    [Fact]
    public async Task Smtest_call_to_a_closed_port_says_so_in_one_line_and_exits_69()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var (exitCode, _, stderr) = await SmtestAsync("call", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "ping", "1");

        Assert.Equal(69, exitCode);
        Assert.StartsWith($"smtest: no session manager listening on 127.0.0.1:{port}: ", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtest_refused_as_a_second_rds_connection_says_why_and_exits_75()
    {
        await using var daemon = await Daemon.StartAsync();
        await using var live = await daemon.ConnectRdsAsync();

        var (exitCode, _, stderr) = await SmtestAsync("fake-rds", "--socket", daemon.SocketPath);

        Assert.Equal(75, exitCode);
        Assert.Equal(
            $"smtest: the session manager on {daemon.SocketPath} closed the connection without answering the handshake: another RDS server is probably connected",
            stderr.Trim());
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> SmtestAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "smtest.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return RunAsync(info);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo info)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SessionManager.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no SessionManager.sln above {AppContext.BaseDirectory}");
    }
}
