using System.Diagnostics;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// The daemon between the libraries real deployments link: an ICP peer in C on protobuf-c (as
/// the FreeRDS/ogon RDS server) and an fdsapi client on Apache Thrift's C++ library (as the
/// WTSAPI). Both are built from this repository's IDL by tests/interop/build.sh, which the
/// test command runs first.
/// </summary>
public sealed class InteropTests : IAsyncLifetime
{
    private Daemon _daemon = null!;
    private InteropPeer? _rds;

    public async Task InitializeAsync() => _daemon = await Daemon.StartAsync();

    public async Task DisposeAsync()
    {
        _rds?.Dispose();
        await _daemon.DisposeAsync();
    }

    [Theory]
    [InlineData("framed", "binary")]
    [InlineData("buffered", "binary")]
    [InlineData("framed", "compact")]
    public async Task A_Cpp_client_opens_a_virtual_channel_through_the_daemon_on_a_protobuf_c_RDS_server(string transport, string protocol)
    {
        _rds = await StartRdsPeerAsync();

        var client = await RunClientAsync(transport, protocol, "virtualChannelOpen", "5", "rdpdr", "1", "1");
        Assert.Equal(0, client.ExitCode);
        Assert.Equal("pipeName=vc:5:rdpdr instance=7", client.Output.Trim());

        // The C peer printed the request exactly as protobuf-c decoded it.
        await _rds.WaitForLineAsync("VirtualChannelOpen connectionId=5 virtualName=rdpdr dynamicChannel=1 flags=1");
    }

    [Fact]
    public async Task The_C_peer_and_the_daemon_agree_on_the_handshake_and_Ping()
    {
        _rds = await StartRdsPeerAsync();
        Assert.Contains("handshake ok version=1.1", _rds.Output, StringComparison.Ordinal);
        await _rds.WaitForLineAsync("ping ok");
        await _daemon.Logs.WaitForAsync("HandshakeCompleted");
    }

    [Fact]
    public async Task A_Cpp_client_sees_the_cause_of_a_failure()
    {
        var client = await RunClientAsync("framed", "binary", "virtualChannelOpen", "5", "rdpdr", "0", "0");
        Assert.Equal(3, client.ExitCode);
        Assert.Equal("TApplicationException type=6 message=RDS server not connected", client.Output.Trim());
    }

    [Fact]
    public async Task A_Cpp_client_closes_a_channel_and_gets_the_version()
    {
        _rds = await StartRdsPeerAsync();
        var close = await RunClientAsync("buffered", "binary", "virtualChannelClose", "-1", "cliprdr", "3");
        Assert.Equal("result=true", close.Output.Trim());
        await _rds.WaitForLineAsync("VirtualChannelClose connectionId=4294967295 virtualName=cliprdr instance=3");

        var version = await RunClientAsync("framed", "binary", "getVersionInfo");
        Assert.Equal("version=1.1", version.Output.Trim());
    }

    private async Task<InteropPeer> StartRdsPeerAsync()
    {
        var peer = new InteropPeer(InteropPeer.Start(InteropPeer.Binary("icp_peer"), "--socket", _daemon.SocketPath));
        await peer.WaitForLineAsync("handshake ok version=1.1");
        return peer;
    }

    private async Task<(int ExitCode, string Output)> RunClientAsync(string transport, string protocol, params string[] call)
    {
        using var process = InteropPeer.Start(InteropPeer.Binary("fdsapi_client"),
            ["--host", "127.0.0.1", "--port", _daemon.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--transport", transport, "--protocol", protocol, .. call]);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
