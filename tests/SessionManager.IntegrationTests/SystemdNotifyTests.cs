using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// sd_notify(3) as systemd would see it, from a datagram socket the test binds and hands the
/// daemon as NOTIFY_SOCKET: READY=1 at start, RELOADING=1 and READY=1 around a reload,
/// WATCHDOG=1 while the daemon's own loops answer, and none once one of them hangs.
/// </summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task READY_at_start_then_RELOADING_and_READY_around_a_reload()
    {
        using var systemd = new NotifySocketDouble(Path.Combine(_dir.Path, "notify"));
        using var daemon = Start(systemd, []);

        Assert.Equal("READY=1", await systemd.NextAsync(Patience));
        await daemon.WaitForOutputAsync("fdsapi listening", Patience);
        await daemon.SendSigHupAsync();

        Assert.Matches(@"^RELOADING=1\nMONOTONIC_USEC=[0-9]+$", await systemd.NextAsync(Patience));
        Assert.Equal("READY=1", await systemd.NextAsync(Patience));
        await daemon.WaitForOutputAsync("Configuration reloaded (generation 1)", Patience);
    }

    [Fact]
    public async Task WATCHDOG_is_sent_repeatedly_while_the_loops_answer()
    {
        using var systemd = new NotifySocketDouble(Path.Combine(_dir.Path, "notify"));
        using var daemon = Start(systemd, new() { ["WATCHDOG_USEC"] = "1000000" });

        await Wait.UntilAsync(() => systemd.Count("WATCHDOG=1") >= 3, "three WATCHDOG=1", Patience);
        Assert.Equal("READY=1", systemd.All[0]);
        await daemon.WaitForOutputAsync("systemd watchdog: WATCHDOG=1 every 500 ms while ICP accept loop, ICP read loop, fdsapi accept loop, session registry, thread pool and timers answer", Patience);
    }

    [Fact]
    public async Task No_WATCHDOG_for_another_process_id()
    {
        using var systemd = new NotifySocketDouble(Path.Combine(_dir.Path, "notify"));
        using var daemon = Start(systemd, new() { ["WATCHDOG_USEC"] = "1000000", ["WATCHDOG_PID"] = "1" });

        Assert.Equal("READY=1", await systemd.NextAsync(Patience));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(0, systemd.Count("WATCHDOG=1"));
    }

    [Fact]
    public async Task A_hung_session_registry_stops_the_pings()
    {
        using var systemd = new NotifySocketDouble(Path.Combine(_dir.Path, "notify"));

        // Test-only switch: the registry's lock is taken for good at the third probe.
        using var daemon = Start(systemd, new() { ["WATCHDOG_USEC"] = "1000000", ["SM_TEST_HANG_REGISTRY"] = "1" });

        await Wait.UntilAsync(() => systemd.Count("WATCHDOG=1") >= 1, "a first WATCHDOG=1", Patience);
        await daemon.WaitForOutputAsync("systemd watchdog: session registry did not answer", Patience);
        await Task.Delay(TimeSpan.FromSeconds(1)); // datagrams sent before the line was read
        int pings = systemd.Count("WATCHDOG=1");

        await Task.Delay(TimeSpan.FromSeconds(4)); // eight periods

        Assert.Equal(pings, systemd.Count("WATCHDOG=1"));
        Assert.Equal(1, daemon.OutputCount("did not answer")); // one line, not one per round
    }

    public void Dispose() => _dir.Dispose();

    private DaemonProcess Start(NotifySocketDouble systemd, Dictionary<string, string> environment)
    {
        environment["NOTIFY_SOCKET"] = systemd.Path;
        return DaemonProcess.Start(environment, $"--Icp:SocketPath={Path.Combine(_dir.Path, "sm.sock")}", "--FdsApi:Port=0");
    }
}
