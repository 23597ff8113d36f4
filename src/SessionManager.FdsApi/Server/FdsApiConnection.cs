using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Handler;
using SessionManager.FdsApi.Logging;
using Thrift;
using Thrift.Protocol;
using Thrift.Transport;
using Thrift.Transport.Client;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// One Thrift client: tell what it speaks from its first bytes, build the matching transport
/// and protocol, then process its calls one after another until it leaves.
/// </summary>
internal sealed class FdsApiConnection(Socket socket, FdsApiOptions options, FdsApiDependencies deps, ILogger logger)
{
    /// <summary>Once a client has sent its first byte, the rest of its header must follow within this.</summary>
    internal static readonly TimeSpan SniffTimeout = TimeSpan.FromSeconds(1);

    private readonly EndPoint? _client = socket.RemoteEndPoint;

    public async Task RunAsync(CancellationToken stopping)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            logger.ClientConnected(_client);
            var (format, sniffed) = await SniffAsync(stream, stopping);
            if (format == ClientWireFormat.Undecided)
            {
                return; // left before saying anything Thrift could recognise
            }

            if (!format.IsServed())
            {
                logger.ClientRefused(_client, format.DescribeRefusal(), Convert.ToHexString(sniffed.Span));
                return;
            }

            if (format != ClientWireFormat.FramedBinary)
            {
                logger.NonCanonicalWireFormat(_client, format.ToString());
            }

            await ServeAsync(new SniffedStream(sniffed, stream), format, stopping);
            logger.ClientDisconnected(_client);
        }
        catch (Exception ex) when (IsClientGone(ex, stopping))
        {
            logger.ClientDisconnected(_client);
        }
        catch (Exception ex)
        {
            logger.ClientFailed(_client, ex.Message);
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private async Task ServeAsync(Stream stream, ClientWireFormat format, CancellationToken stopping)
    {
        var config = new TConfiguration { MaxFrameSize = options.MaxFrameBytes, MaxMessageSize = options.MaxFrameBytes };
        // TFramedTransport reads a frame's length and its body separately; a read buffer turns
        // those two socket reads into one. Unframed, TBufferedTransport buffers reads itself.
        TTransport transport = format.IsFramed()
            ? new TFramedTransport(new TStreamTransport(new BufferedStream(stream, 8192), stream, config))
            : new TBufferedTransport(new TStreamTransport(stream, stream, config), 8192);
        TProtocol protocol = format.IsCompact() ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);

        var failures = new CallFailureSlot();
        var processor = new fdsapi.AsyncProcessor(new FdsApiHandler(deps, failures), NullLogger<fdsapi.AsyncProcessor>.Instance);
        var output = new CauseRevealingProtocol(protocol, failures);

        // Calls on one connection are sequential (Thrift clients wait for each answer); calls on
        // different connections run concurrently, and none holds a thread while it waits.
        while (await transport.PeekAsync(stopping))
        {
            // Counted until the reply is written, so a shutdown waits for the answer to go out.
            using var inFlight = deps.InFlight.Enter();
            if (!await processor.ProcessAsync(protocol, output, stopping))
            {
                break;
            }
        }
    }

    private static async Task<(ClientWireFormat Format, ReadOnlyMemory<byte> Sniffed)> SniffAsync(Stream stream, CancellationToken stopping)
    {
        var buffer = new byte[WireFormatSniffer.MaxBytesNeeded];

        // An idle client is fine (it may connect early); only once it starts talking must its
        // header arrive promptly, so a half-sent header cannot hold the connection forever.
        int read = await stream.ReadAsync(buffer, stopping);
        if (read == 0)
        {
            return (ClientWireFormat.Undecided, ReadOnlyMemory<byte>.Empty);
        }

        var format = WireFormatSniffer.Sniff(buffer.AsSpan(0, read));
        if (format != ClientWireFormat.Undecided)
        {
            return (format, buffer.AsMemory(0, read));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(SniffTimeout);
        try
        {
            while (format == ClientWireFormat.Undecided)
            {
                int more = await stream.ReadAsync(buffer.AsMemory(read), deadline.Token);
                if (more == 0)
                {
                    return (ClientWireFormat.Undecided, buffer.AsMemory(0, read));
                }

                read += more;
                format = WireFormatSniffer.Sniff(buffer.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // Too slow to finish its header: nothing that Thrift would do.
            format = ClientWireFormat.Unknown;
        }

        return (format, buffer.AsMemory(0, read));
    }

    private static bool IsClientGone(Exception ex, CancellationToken stopping) =>
        stopping.IsCancellationRequested
        || ex is IOException or SocketException or ObjectDisposedException
        || (ex is TTransportException t && t.Type is TTransportException.ExceptionType.EndOfFile or TTransportException.ExceptionType.NotOpen)
        || ex.InnerException is IOException or SocketException;
}
