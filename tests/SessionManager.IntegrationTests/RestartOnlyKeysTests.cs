using SessionManager.Hosting;

namespace SessionManager.IntegrationTests;

/// <summary>Which changed keys a reload names as needing a restart.</summary>
public sealed class RestartOnlyKeysTests
{
    [Theory]
    [InlineData("Icp:SocketPath", true)]
    [InlineData("icp:socketpath", true)]
    [InlineData("FdsApi:Port", true)]
    [InlineData("FdsApi:Tls", true)]
    [InlineData("FdsApi:TlsKeyPath", true)]
    [InlineData("Tls:CertificatePath", true)]
    [InlineData("Launcher:PoolSize", true)]
    [InlineData("Properties:ssl.certificate", true)]
    [InlineData("Sessions:TokenDirectory", true)]
    [InlineData("FdsApi:MaxConnections", false)]
    [InlineData("FdsApi:TlsX", false)]
    [InlineData("Icp:RequestTimeout", false)]
    [InlineData("Sessions:MaxSessions", false)]
    [InlineData("Auth:MaxFailures", false)]
    [InlineData("VirtualChannels:Denied:0", false)]
    [InlineData("Serilog:MinimumLevel:Default", false)]
    public void A_key_needs_a_restart_when_it_is_bound_or_opened_once(string key, bool restart) =>
        Assert.Equal(restart, RestartOnlyKeys.Contains(key));
}
