using System.Net;
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
}
