using System.Net.Sockets;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>
/// SIGHUP (systemctl reload) against the daemon as a process, configured from a settings file the
/// test writes (--Config:File): what reloads applies at once, a bad file changes nothing and names
/// its keys, a restart-only key is named and keeps its value, a call in flight is answered.
/// </summary>
public sealed class ReloadTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    private string SettingsPath => Path.Combine(_dir.Path, "settings.json");

    private string SocketPath => Path.Combine(_dir.Path, "sm.sock");

    [Fact]
    public async Task A_reload_applies_new_channel_lists_and_log_levels()
    {
        // The reloader's own category starts at Warning: its "Reloading" line is not written;
        // the reload removes that override, so its "reloaded" line, logged after, is.
        using var daemon = await StartAsync("""
            { "VirtualChannels": { "Denied": [ "rdpdr" ] },
              "Serilog": { "MinimumLevel": { "Override": { "SessionManager.Hosting.ConfigurationReloader": "Warning" } } } }
            """);
        await using var rds = (await FakeRdsPeer.ConnectWithHandshakeAsync(SocketPath)).Peer;
        Assert.False(await IsAllowedAsync(rds, "rdpdr"));
        Assert.True(await IsAllowedAsync(rds, "cliprdr"));

        await ReloadAsync(daemon, """{ "VirtualChannels": { "Denied": [ "cliprdr" ] } }""", "Configuration reloaded (generation 1)");

        Assert.True(await IsAllowedAsync(rds, "rdpdr"));
        Assert.False(await IsAllowedAsync(rds, "cliprdr"));
        Assert.Contains("changed Serilog:MinimumLevel:Override:SessionManager.Hosting.ConfigurationReloader, VirtualChannels:Denied:0", daemon.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Reloading configuration", daemon.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_file_keeps_the_running_configuration_and_names_each_key_and_why()
    {
        using var daemon = await StartAsync("""{ "VirtualChannels": { "Denied": [ "rdpdr" ] } }""");
        await using var rds = (await FakeRdsPeer.ConnectWithHandshakeAsync(SocketPath)).Peer;

        // The channel list alone would be fine: all or nothing.
        await ReloadAsync(daemon, """{ "VirtualChannels": { "Denied": [] }, "Sessions": { "MaxSessions": "many" }, "Permissions": { "Level": "ALL" } }""",
            "Configuration reload refused");

        Assert.Contains("the running configuration is kept: Sessions:MaxSessions: must be a number, 0 or more (got 'many'); Permissions:Level: must be FULL, USER, GUEST or flags", daemon.StandardOutput, StringComparison.Ordinal);
        Assert.False(await IsAllowedAsync(rds, "rdpdr"));

        await ReloadAsync(daemon, "{ not json", "Could not parse the JSON file");
        Assert.False(await IsAllowedAsync(rds, "rdpdr"));

        // A good file after bad ones is taken.
        await ReloadAsync(daemon, """{ "VirtualChannels": { "Denied": [] } }""", "Configuration reloaded (generation 1)");
        Assert.True(await IsAllowedAsync(rds, "rdpdr"));
    }

    [Fact]
    public async Task A_key_that_needs_a_restart_is_named_and_keeps_its_running_value()
    {
        int port = DaemonProcess.FreePort();
        using var daemon = await StartAsync("""{ "FdsApi": { "Address": "127.0.0.1" } }""", $"--FdsApi:Port={port}");

        await ReloadAsync(daemon, """{ "FdsApi": { "Address": "127.0.0.2" }, "Launcher": { "PoolSize": 3 }, "Sessions": { "MaxSessions": 7 } }""",
            "Configuration reloaded (generation 1)");

        Assert.Contains("changed Sessions:MaxSessions; changed but needing a restart, kept at their running values: FdsApi:Address, Launcher:PoolSize", daemon.StandardOutput, StringComparison.Ordinal);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port); // still listening where it started
    }

    [Fact]
    public async Task A_call_in_flight_during_a_reload_is_answered()
    {
        int port = DaemonProcess.FreePort();
        using var daemon = await StartAsync("""{ "FdsApi": { "FrameTimeout": "00:00:05" } }""", $"--FdsApi:Port={port}");
        await using var rds = (await FakeRdsPeer.ConnectWithHandshakeAsync(SocketPath)).Peer;
        using var client = await FdsApiTestClient.ConnectAsync(port);
        var pending = client.virtualChannelOpen("", 1, "rdpdr", false, 0);
        var request = await rds.ReadRequestAsync(Patience);

        await ReloadAsync(daemon, """{ "FdsApi": { "FrameTimeout": "00:00:10" }, "Icp": { "RequestTimeout": "00:00:20" } }""", "Configuration reloaded (generation 1)");
        await rds.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = "after the reload", Instance = 1 });

        Assert.Equal("after the reload", (await pending.WaitAsync(Patience)).PipeName);
    }

    public void Dispose() => _dir.Dispose();

    private async Task<DaemonProcess> StartAsync(string settings, params string[] args)
    {
        await File.WriteAllTextAsync(SettingsPath, settings);
        var daemon = DaemonProcess.Start([$"--Config:File={SettingsPath}", $"--Icp:SocketPath={SocketPath}", "--FdsApi:Port=0", .. args]);
        await daemon.WaitForOutputAsync("fdsapi listening", Patience);
        return daemon;
    }

    private async Task ReloadAsync(DaemonProcess daemon, string settings, string expected)
    {
        int before = daemon.OutputCount(expected);
        await File.WriteAllTextAsync(SettingsPath, settings);
        await daemon.SendSigHupAsync();
        await Wait.UntilAsync(() => daemon.OutputCount(expected) > before || daemon.Process.HasExited, $"the daemon logs '{expected}'", Patience);
        Assert.True(daemon.OutputCount(expected) > before, $"stdout:\n{daemon.StandardOutput}\nstderr:\n{daemon.StandardError}");
    }

    private static async Task<bool> IsAllowedAsync(FakeRdsPeer rds, string channel)
    {
        var answer = await rds.RequestAsync((uint)MsgType.IsChannelAllowed, new IsChannelAllowedRequest { ChannelName = channel }).WaitAsync(Patience);
        return IsChannelAllowedResponse.Parser.ParseFrom(answer.Payload).ChannelAllowed;
    }
}
