using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>
/// TLS on the Thrift port (FdsApi:Tls): detected from the first bytes beside plain Thrift, served
/// with the daemon's certificate, TLS 1.2 and 1.3 only, the same transport/protocol detection
/// inside it, handshakes bounded in time, and the two strict modes.
/// </summary>
public sealed class FdsApiTlsTests
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task A_TLS_client_is_served_in_every_wire_format_beside_plain_clients_on_the_same_port(bool framed, bool compact)
    {
        await using var daemon = await Daemon.StartAsync();
        await using var rds = await daemon.ConnectRdsAsync(standardAnswers: true);
        var (client, tls) = await FdsApiTestClient.ConnectTlsAsync(daemon.Port, framed, compact);
        using var plain = await daemon.ClientAsync();

        using (client)
        {
            Assert.Equal(1, (await client.getVersionInfo(new SessionManager.FdsApi.Generated.TVersion { VersionMajor = 1, VersionMinor = 1 })).VersionMajor);
            Assert.Equal("vc:7:rdpdr", (await client.virtualChannelOpen("", 7, "rdpdr", false, 0)).PipeName);
            Assert.Equal(5, await plain.ping(5));
            Assert.Equal(6, await client.ping(6));
            Assert.Equal(SslProtocols.Tls13, tls.SslProtocol);
        }

        var served = await daemon.Logs.WaitForAsync("TlsClient");
        Assert.Equal("Tls13", served.Properties["TlsProtocol"].ToString().Trim('"'));
    }

    [Fact]
    public async Task TLS_1_2_is_served_and_the_certificate_is_the_RDS_servers_pair_the_daemon_made()
    {
        await using var daemon = await Daemon.StartAsync();
        var (client, tls) = await FdsApiTestClient.ConnectTlsAsync(daemon.Port, protocols: SslProtocols.Tls12);
        using (client)
        {
            Assert.Equal(3, await client.ping(3));
            Assert.Equal(SslProtocols.Tls12, tls.SslProtocol);
            using var made = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(daemon.DataDirectory, "rds.crt")));
            Assert.Equal(made.Thumbprint, tls.RemoteCertificate!.GetCertHashString());
        }

        var enabled = Assert.Single(daemon.Logs.WithEventName("TlsEnabled"));
        Assert.Contains("rds.crt", enabled.RenderMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1")]
    [InlineData("-tls1_1")]
    public async Task A_client_offering_only_TLS_1_0_or_1_1_is_refused_by_the_daemon(string protocolFlag)
    {
        await using var daemon = await Daemon.StartAsync();

        // OpenSSL's own client, told to offer nothing newer (SECLEVEL=0 lets it send such a hello
        // at all): the refusal comes from the daemon, as a protocol-version alert.
        var openssl = new ProcessStartInfo("openssl") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "s_client", "-connect", $"127.0.0.1:{daemon.Port}", protocolFlag, "-cipher", "DEFAULT@SECLEVEL=0" })
        {
            openssl.ArgumentList.Add(arg);
        }

        using var process = Process.Start(openssl)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("alert protocol version", await output + await error, StringComparison.Ordinal);
        var refused = await daemon.Logs.WaitForAsync("TlsHandshakeFailed");
        Assert.NotNull(refused);
        using var still = await daemon.ClientAsync();
        Assert.Equal(2, await still.ping(2));
    }

    [Fact]
    public async Task A_configured_certificate_is_served_instead_of_the_RDS_servers()
    {
        using var dir = new TempDirectory();
        string certificatePath = Path.Combine(dir.Path, "fdsapi.crt"), keyPath = Path.Combine(dir.Path, "fdsapi.key");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=fdsapi-test", key, HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        await using var daemon = await Daemon.StartAsync($"FdsApi:TlsCertificatePath={certificatePath}", $"FdsApi:TlsKeyPath={keyPath}");
        var (client, tls) = await FdsApiTestClient.ConnectTlsAsync(daemon.Port);
        using (client)
        {
            Assert.Equal(4, await client.ping(4));
            Assert.Equal("CN=fdsapi-test", tls.RemoteCertificate!.Subject);
        }
    }

    [Fact]
    public async Task Required_refuses_plain_clients_with_a_line_saying_so_and_serves_TLS()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:Tls=required");
        using var plain = await daemon.ClientAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => plain.ping(1));
        var refused = await daemon.Logs.WaitForAsync("ClientRefused");
        Assert.Contains("FdsApi:Tls is required", refused.RenderMessage(), StringComparison.Ordinal);

        var (client, _) = await FdsApiTestClient.ConnectTlsAsync(daemon.Port);
        using (client)
        {
            Assert.Equal(2, await client.ping(2));
        }
    }

    [Fact]
    public async Task Off_refuses_TLS_clients_with_a_line_saying_so_and_serves_plain()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:Tls=off");

        await Assert.ThrowsAnyAsync<Exception>(() => FdsApiTestClient.ConnectTlsAsync(daemon.Port));
        var refused = await daemon.Logs.WaitForAsync("ClientRefused");
        Assert.Contains("FdsApi:Tls is off", refused.RenderMessage(), StringComparison.Ordinal);
        Assert.Single(daemon.Logs.WithEventName("TlsOff"));

        using var plain = await daemon.ClientAsync();
        Assert.Equal(1, await plain.ping(1));
    }

    [Fact]
    public async Task Stalled_handshakes_are_abandoned_after_the_handshake_timeout_and_hold_no_thread_meanwhile()
    {
        await using var daemon = await Daemon.StartAsync("FdsApi:TlsHandshakeTimeout=00:00:05");
        var clock = Stopwatch.StartNew();

        // More stalled handshakes than the machine has pool threads: were each to hold one, the
        // TLS client below would wait for the timeout.
        var stalled = new List<Socket>();
        for (int i = 0; i < 64; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, daemon.Port);
            await socket.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x40 }, SocketFlags.None); // a record header, then nothing
            stalled.Add(socket);
        }

        var (client, _) = await FdsApiTestClient.ConnectTlsAsync(daemon.Port);
        using (client)
        {
            Assert.Equal(9, await client.ping(9));
        }

        var servedAfter = clock.Elapsed;
        foreach (var socket in stalled)
        {
            Assert.Equal(0, await RawClient.ReceiveUntilClosedAsync(socket));
            socket.Dispose();
        }

        Assert.True(servedAfter < TimeSpan.FromSeconds(4.5), $"the TLS client waited {servedAfter.TotalMilliseconds} ms behind the stalled ones");
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(4900), TimeSpan.FromSeconds(60));
        var dropped = await daemon.Logs.WaitForAsync("TlsHandshakeFailed");
        Assert.Contains("FdsApi:TlsHandshakeTimeout (5000 ms)", dropped.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_handshake_closes_that_client_only_with_the_reason_logged()
    {
        await using var daemon = await Daemon.StartAsync();
        using var broken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await broken.ConnectAsync(IPAddress.Loopback, daemon.Port);
        var junk = new byte[200];
        new Random(7).NextBytes(junk);
        await broken.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0xC8 }.Concat(junk).ToArray(), SocketFlags.None);

        await RawClient.ReceiveUntilClosedAsync(broken);
        var failed = await daemon.Logs.WaitForAsync("TlsHandshakeFailed");
        Assert.DoesNotContain("TlsHandshakeTimeout", failed.RenderMessage(), StringComparison.Ordinal);

        using var plain = await daemon.ClientAsync();
        Assert.Equal(1, await plain.ping(1));
    }

    [Fact]
    public async Task At_shutdown_an_idle_TLS_client_is_closed_and_nothing_is_logged_as_an_error()
    {
        var daemon = await Daemon.StartAsync();
        var (client, tls) = await FdsApiTestClient.ConnectTlsAsync(daemon.Port);
        using (client)
        {
            Assert.Equal(1, await client.ping(1));

            await daemon.DisposeAsync();

            Assert.Equal(0, await tls.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Empty(daemon.Logs.Events.Where(e => e.Level >= Serilog.Events.LogEventLevel.Error).Select(e => e.RenderMessage()));
        Assert.NotEmpty(daemon.Logs.WithEventName("ClosedAtShutdown"));
    }

    [Fact]
    public async Task Inside_TLS_the_first_bytes_must_be_Thrift_too()
    {
        await using var daemon = await Daemon.StartAsync();
        var (client, tls) = await FdsApiTestClient.ConnectTlsAsync(daemon.Port);
        using (client)
        {
            await tls.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
            await tls.FlushAsync();
            var buffer = new byte[16];
            Assert.Equal(0, await tls.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }

        var refused = await daemon.Logs.WaitForAsync("ClientRefused");
        Assert.Contains("HTTP request", refused.RenderMessage(), StringComparison.Ordinal);
    }
}
