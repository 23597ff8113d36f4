using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;
using Thrift;

namespace SessionManager.IntegrationTests;

/// <summary>The daemon as operators run it: a process, configured from the command line, stopped by a signal.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task SIGTERM_answers_the_pending_call_removes_the_socket_and_exits_0()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        int port = DaemonProcess.FreePort();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", $"--FdsApi:Port={port}", "--FdsApi:ShutdownGracePeriod=00:00:00.500");
        await daemon.WaitForOutputAsync("fdsapi listening");

        await using var rds = await FakeRdsPeer.ConnectWithHandshakeAsync(socketPath).ContinueWith(t => t.Result.Peer);
        using var client = await FdsApiTestClient.ConnectAsync(port);
        var pending = client.virtualChannelOpen("", 1, "rdpdr", false, 0);
        await rds.ReadRequestAsync(); // the call is waiting on the RDS server, which never answers

        await daemon.SendSigTermAsync();

        var ex = await Assert.ThrowsAsync<TApplicationException>(() => pending.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("shutting down", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(socketPath), "the socket file is removed");
    }

    [Fact]
    public async Task SIGTERM_lets_a_call_finish_within_the_grace_period()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        int port = DaemonProcess.FreePort();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", $"--FdsApi:Port={port}", "--FdsApi:ShutdownGracePeriod=00:00:20");
        await daemon.WaitForOutputAsync("fdsapi listening");
        var (rds, client, pending, request) = await StopWithACallPendingAsync(daemon, socketPath, port);
        await using var rdsPeer = rds;
        using var thriftClient = client;
        await rds.AnswerAsync(request, new SessionManager.Icp.Protocol.VirtualChannelOpenResponse { ConnectionString = "finished", Instance = 1 });

        Assert.Equal("finished", (await pending.WaitAsync(TimeSpan.FromSeconds(20))).PipeName);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_spawner_that_ends_while_the_daemon_stops_is_not_started_again()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        int port = DaemonProcess.FreePort();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", $"--FdsApi:Port={port}",
            "--FdsApi:ShutdownGracePeriod=00:00:20", "--Serilog:MinimumLevel:Default=Debug");
        await daemon.WaitForOutputAsync("launchers are started through it");
        int spawner = int.Parse(Regex.Match(daemon.StandardOutput, @"sm-spawner (\d+) started").Groups[1].Value, CultureInfo.InvariantCulture);

        var (rds, client, pending, request) = await StopWithACallPendingAsync(daemon, socketPath, port);
        await using var rdsPeer = rds;
        using var thriftClient = client;

        // As a signal to the daemon's whole process group (Ctrl-C, GNU timeout) ends it too.
        using (var kill = Process.Start("kill", ["-TERM", spawner.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await daemon.WaitForOutputAsync("ended while the daemon stops");
        await rds.AnswerAsync(request, new SessionManager.Icp.Protocol.VirtualChannelOpenResponse { ConnectionString = "finished", Instance = 1 });
        Assert.Equal("finished", (await pending.WaitAsync(TimeSpan.FromSeconds(20))).PipeName);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        Assert.DoesNotContain("starting another", daemon.StandardOutput, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(daemon.StandardOutput, @"sm-spawner \d+ started"));
    }

    [Theory]
    [InlineData("--FdsApi:Port=abc", "FdsApi:Port")]
    [InlineData("--FdsApi:Port=70000", "FdsApi:Port: must be 0-65535 (got 70000)")]
    [InlineData("--FdsApi:Address=localhost.example", "FdsApi:Address")]
    [InlineData("--Icp:SocketMode=0999", "Icp:SocketMode")]
    [InlineData("--Icp:RequestTimeout=soon", "Icp:RequestTimeout")]
    [InlineData("--Icp:MaxFrameBytes=-1", "Icp:MaxFrameBytes")]
    [InlineData("--Icp:SocketPath=/proc/no/such/dir/sm.sock", "Icp:SocketPath")]
    public async Task Bad_configuration_stops_startup_with_one_line_naming_the_key(string setting, string expected)
    {
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", setting);
        int exitCode = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, exitCode);
        var errorLines = daemon.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(errorLines);
        Assert.StartsWith("SessionManager: cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_come_from_the_environment_and_the_command_line_wins()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "from-env.sock");
        int port = DaemonProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["Icp__SocketPath"] = socketPath,
            ["Icp__SocketMode"] = "0600",
            ["FdsApi__Port"] = "1", // overridden below
        };
        using var daemon = DaemonProcess.Start(environment, $"--FdsApi:Port={port}");
        await daemon.WaitForOutputAsync($"fdsapi listening on 127.0.0.1:{port}");
        Assert.Contains($"Listening for the RDS server on {socketPath} (mode 0600)", daemon.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socketPath));
    }

    [Fact]
    public async Task A_port_in_use_stops_startup_naming_the_port()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", $"--FdsApi:Port={port}");
        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"FdsApi:Port: {port} on 127.0.0.1 is already in use", daemon.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "sm.sock")), "nothing is left behind");
    }

    [Fact]
    public async Task A_stale_socket_file_is_replaced_but_a_live_one_is_refused()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        using (var killed = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", "--FdsApi:Port=0"))
        {
            await killed.WaitForOutputAsync("fdsapi listening");
            killed.Process.Kill(); // SIGKILL: no chance to remove its socket file
            await killed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.True(File.Exists(socketPath), "a killed daemon leaves its socket file");

        using var first = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", "--FdsApi:Port=0");
        await first.WaitForOutputAsync("Replaced stale socket file");
        await first.WaitForOutputAsync("fdsapi listening");

        using var second = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", "--FdsApi:Port=0");
        Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("in use by another running session manager", second.StandardError, StringComparison.Ordinal);
        Assert.True(File.Exists(socketPath), "the live daemon's socket is untouched");
    }

    [Fact]
    public async Task Runtime_tuning_applies_by_default_and_an_operator_setting_wins()
    {
        // Checked through what the runtime does with the setting: how many socket event threads
        // the daemon runs once enough sockets exist to fill them all.
        using var dir = new TempDirectory();
        int tunedPort = DaemonProcess.FreePort();
        using var tuned = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "a.sock")}", $"--FdsApi:Port={tunedPort}");
        int overriddenPort = DaemonProcess.FreePort();
        using var overridden = DaemonProcess.Start(
            new Dictionary<string, string> { ["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = "3" },
            $"--Icp:SocketPath={Path.Combine(dir.Path, "b.sock")}", $"--FdsApi:Port={overriddenPort}");

        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), await SocketEventThreadsAsync(tuned, tunedPort));
        Assert.Equal(3, await SocketEventThreadsAsync(overridden, overriddenPort));
    }

    /// <summary>Opens a few client connections (sockets are spread over the event threads), then counts those threads.</summary>
    private static async Task<int> SocketEventThreadsAsync(DaemonProcess daemon, int port)
    {
        await daemon.WaitForOutputAsync($"fdsapi listening on 127.0.0.1:{port}");
        var clients = new List<SessionManager.FdsApi.Generated.fdsapi.Client>();
        try
        {
            for (int i = 0; i < 2 * Environment.ProcessorCount + 4; i++)
            {
                var client = await FdsApiTestClient.ConnectAsync(port);
                clients.Add(client);
                Assert.Equal(i, await client.ping(i));
            }

            return Directory.GetDirectories($"/proc/{daemon.Process.Id}/task").Count(task => ThreadName(task) == ".NET Sockets");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        // An idle pool worker may exit between listing and reading: it is not an event thread.
        static string? ThreadName(string task)
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).Trim();
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// A call the RDS server holds unanswered, then SIGTERM: the daemon stays stopping for its
    /// grace period (once it says "calls in progress") until the test answers the request.
    /// </summary>
    private static async Task<(FakeRdsPeer Rds, SessionManager.FdsApi.Generated.fdsapi.Client Client, Task<SessionManager.FdsApi.Generated.TReturnVirtualChannelOpen> Pending, SessionManager.Icp.Protocol.RPCBase Request)>
        StopWithACallPendingAsync(DaemonProcess daemon, string socketPath, int port)
    {
        var rds = await FakeRdsPeer.ConnectWithHandshakeAsync(socketPath).ContinueWith(t => t.Result.Peer);
        var client = await FdsApiTestClient.ConnectAsync(port);
        var pending = client.virtualChannelOpen("", 1, "rdpdr", false, 0);
        var request = await rds.ReadRequestAsync();
        await daemon.SendSigTermAsync();
        await daemon.WaitForOutputAsync("calls in progress");
        return (rds, client, pending, request);
    }
}
