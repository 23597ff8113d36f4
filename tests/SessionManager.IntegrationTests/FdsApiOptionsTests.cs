using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>The fdsapi bounds are checked at start: a bad one stops the daemon with one line naming the key.</summary>
public sealed class FdsApiOptionsTests
{
    [Theory]
    [InlineData("--FdsApi:MaxFrameBytes=16777216", "FdsApi:MaxFrameBytes: must be 1024-16777215 (got 16777216)")]
    [InlineData("--FdsApi:MaxFrameBytes=100", "FdsApi:MaxFrameBytes: must be 1024-16777215 (got 100)")]
    [InlineData("--FdsApi:MaxConnections=0", "FdsApi:MaxConnections: must be 1-65536 (got 0)")]
    [InlineData("--FdsApi:FrameTimeout=00:00:00", "FdsApi:FrameTimeout: must be more than 0")]
    [InlineData("--FdsApi:FrameTimeout=01:00:00", "FdsApi:FrameTimeout: must be more than 0 and at most 00:05:00 (got 01:00:00)")]
    [InlineData("--FdsApi:MaxBufferedBytes=65535", "FdsApi:MaxBufferedBytes: must be at least FdsApi:MaxFrameBytes (65536)")]
    [InlineData("--FdsApi:UnauthenticatedIdleTimeout=00:00:00", "FdsApi:UnauthenticatedIdleTimeout: must be more than 0")]
    [InlineData("--FdsApi:Tls=yes", "FdsApi:Tls: must be optional, required or off (got 'yes')")]
    [InlineData("--FdsApi:TlsHandshakeTimeout=00:00:00", "FdsApi:TlsHandshakeTimeout: must be more than 0 and at most 00:01:00 (got 00:00:00)")]
    [InlineData("--FdsApi:TlsCertificatePath=/nonexistent/fdsapi.crt", "FdsApi:TlsCertificatePath: cannot load the TLS pair /nonexistent/fdsapi.crt / /nonexistent/fdsapi.key")]
    public async Task A_bound_out_of_range_stops_startup_naming_the_key(string setting, string expected)
    {
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", "--FdsApi:TlsKeyPath=/nonexistent/fdsapi.key", setting);
        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(daemon.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("SessionManager: cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
