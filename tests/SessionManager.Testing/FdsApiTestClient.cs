using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using SessionManager.FdsApi.Generated;
using Thrift;
using Thrift.Protocol;
using Thrift.Transport;
using Thrift.Transport.Client;

namespace SessionManager.Testing;

/// <summary>An ApacheThrift fdsapi client in any of the wire formats the daemon serves.</summary>
public static class FdsApiTestClient
{
    public static async Task<fdsapi.Client> ConnectAsync(int port, bool framed = true, bool compact = false)
    {
        var config = new TConfiguration();
        TTransport transport = new TSocketTransport(IPAddress.Loopback, port, config);
        transport = framed ? new TFramedTransport(transport) : new TBufferedTransport(transport, 8192);
        TProtocol protocol = compact ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);
        var client = new fdsapi.Client(protocol);
        await client.OpenTransportAsync();
        return client;
    }

    /// <summary>As ogon's clients connect: TLS without a certificate check, then Thrift inside it.</summary>
    /// <param name="protocols">What the client offers (None: what the system allows, TLS 1.2 and 1.3).</param>
    public static async Task<(fdsapi.Client Client, SslStream Tls)> ConnectTlsAsync(int port, bool framed = true, bool compact = false, SslProtocols protocols = SslProtocols.None)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = protocols,
                // ogon's clients check no certificate (FDSAPI.md): neither does this one.
#pragma warning disable CA5359
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
            });
        }
        catch
        {
            await tls.DisposeAsync();
            tcp.Dispose();
            throw;
        }

        var config = new TConfiguration();
        TTransport transport = new TStreamTransport(tls, tls, config);
        transport = framed ? new TFramedTransport(transport) : new TBufferedTransport(transport, 8192);
        TProtocol protocol = compact ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);
        return (new fdsapi.Client(protocol), tls);
    }
}
