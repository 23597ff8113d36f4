using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// The Prometheus exporter (Metrics:Listen): scraped over HTTP after real logons (PAM, launcher,
/// stand-in backend) and a bridged fdsapi call, the values are the ones the daemon lived through.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed partial class MetricsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [RootFact]
    public async Task A_scrape_after_a_logon_a_failed_logon_and_a_bridged_call_shows_them()
    {
        int port = DaemonProcess.FreePort();
        await using var rig = await SessionRig.StartAsync($"Metrics:Listen=127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var before = await ScrapeAsync(http);
        Assert.Equal(1, before["sessionmanager_icp_rds_link_up"]);
        Assert.Equal(0, before["sessionmanager_sessions_sessions{state=\"active\"}"]);
        Assert.Equal(0, before["sessionmanager_host_sessions_adopted_total"]);
        Assert.True(before["sessionmanager_host_start_time_seconds"] > 1.7e9);

        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1).WaitAsync(Patience)).Succeeded);
        var afterLogon = await ScrapeAsync(http);
        Assert.Equal(1, afterLogon["sessionmanager_sessions_logons_total{outcome=\"success\"}"]);
        Assert.Equal(1, afterLogon["sessionmanager_sessions_sessions{state=\"active\"}"]);
        Assert.Equal(1, afterLogon["sessionmanager_sessions_logon_duration_seconds_count{part=\"pam\"}"]);
        Assert.True(afterLogon["sessionmanager_sessions_logon_duration_seconds_sum{part=\"pam\"}"] > 0);
        Assert.True(afterLogon["sessionmanager_sessions_logon_duration_seconds_sum{part=\"backend\"}"] > 0);
        Assert.True(afterLogon["sessionmanager_sessions_logon_duration_seconds_sum{part=\"total\"}"]
            >= afterLogon["sessionmanager_sessions_logon_duration_seconds_sum{part=\"pam\"}"] + afterLogon["sessionmanager_sessions_logon_duration_seconds_sum{part=\"backend\"}"]);

        // A wrong password: the greeter is shown (stand-in greeter backend), counted as bad_password.
        var failed = await rig.LogonAsync(2, "smtest2", "wrong-password").WaitAsync(Patience);
        Assert.True(failed.Succeeded, failed.RefusedBecause);
        var afterFailure = await ScrapeAsync(http);
        Assert.Equal(1, afterFailure["sessionmanager_sessions_logons_total{outcome=\"bad_password\"}"]);
        Assert.Equal(1, afterFailure["sessionmanager_sessions_logons_total{outcome=\"success\"}"]);
        Assert.Equal(1, afterFailure["sessionmanager_sessions_sessions{state=\"connected\"}"]);
        Assert.Equal(1, afterFailure["sessionmanager_sessions_throttle_entries"] > 0 ? 1 : 0);

        // A bridged fdsapi call: counted by method and result, and its ICP call timed.
        using var client = await rig.Daemon.ClientAsync();
        Assert.Equal("vc:1:rdpdr", (await client.virtualChannelOpen("token", 2, "rdpdr", false, 0)).PipeName);
        var afterCall = await ScrapeAsync(http);
        Assert.Equal(1, afterCall["sessionmanager_fdsapi_calls_total{method=\"virtualChannelOpen\",result=\"ok\"}"]);
        Assert.Equal(1, afterCall["sessionmanager_fdsapi_connections_total{transport=\"plain\"}"]);
        Assert.Equal(1, afterCall["sessionmanager_icp_call_duration_seconds_count{method=\"VirtualChannelOpen\",result=\"ok\"}"]);
        Assert.Equal(1, afterCall["sessionmanager_icp_rds_link_attaches_total"]);
        Assert.Equal(0, afterCall["sessionmanager_icp_calls_pending"]);

        // No user name anywhere in the output.
        string text = await http.GetStringAsync("metrics");
        Assert.DoesNotContain("smtest", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_metrics_port_in_use_stops_startup_naming_the_key()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", $"--Metrics:Listen=127.0.0.1:{port}");
        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"SessionManager: cannot start: Metrics:Listen: cannot listen on 127.0.0.1:{port}", daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_listen_address_stops_startup_naming_the_key()
    {
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", "--Metrics:Listen=localhost");
        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Metrics:Listen: must be empty (off) or address:port", daemon.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SessionManager.Icp", "call.duration", "s", false, "sessionmanager_icp_call_duration_seconds")]
    [InlineData("SessionManager.FdsApi", "calls", null, true, "sessionmanager_fdsapi_calls_total")]
    [InlineData("SessionManager.Host", "start_time", "s", false, "sessionmanager_host_start_time_seconds")]
    [InlineData("SessionManager.Sessions", "launchers.idle", null, false, "sessionmanager_sessions_launchers_idle")]
    public void Instrument_names_become_prometheus_names(string meter, string instrument, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, SessionManager.Metrics.PrometheusBridge.PrometheusName(meter, instrument, unit, counter));

    /// <summary>Every sample of the scrape, by its name and labels as written.</summary>
    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http)
    {
        string text = await http.GetStringAsync("metrics");
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match m in Sample().Matches(text))
        {
            samples[m.Groups["key"].Value] = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        return samples;
    }

    [GeneratedRegex(@"^(?<key>[a-z_]+(\{[^}]*\})?) (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
