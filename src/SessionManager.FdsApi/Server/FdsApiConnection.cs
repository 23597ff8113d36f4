using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Handler;
using SessionManager.Icp.Connection;
using SessionManager.FdsApi.Logging;
using Thrift;
using Thrift.Protocol;
using Thrift.Transport;
using Thrift.Transport.Client;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// One Thrift client: tell what it speaks from its first bytes, build the matching transport
/// and protocol, then process its calls one after another until it leaves or shutdown stops
/// reading. Two shutdown tokens: <c>stopReading</c> ends the wait for a next request;
/// <c>abandonCalls</c> ends a handler's wait (it then answers "shutting down").
/// </summary>
internal sealed class FdsApiConnection(
    Socket socket,
    FdsApiOptions options,
    FdsApiDependencies deps,
    FdsApiLogLimits limits,
    ILogger logger,
    CancellationToken stopReading,
    CancellationToken abandonCalls)
{
    private const int FrameHeaderBytes = 4;

    /// <summary>First bytes shown in the log line of a refused client (enough for "GET / HTTP/1.1").</summary>
    private const int FirstBytesLogged = 16;

    private readonly EndPoint? _client = socket.RemoteEndPoint;

    /// <summary>Closes the socket under whatever is running: the last step of shutdown.</summary>
    public void Abort() => socket.Dispose();

    public async Task RunAsync()
    {
        var stream = new ClientStream(new NetworkStream(socket, ownsSocket: true), options.FrameTimeout, options.MaxFrameBytes, stopReading);
        try
        {
            logger.ClientConnected(_client);
            var format = await SniffAsync(stream);
            if (format == ClientWireFormat.Undecided)
            {
                return; // left before saying anything Thrift could recognise
            }

            if (!format.IsServed())
            {
                if (limits.ClientRefused.ShouldLog())
                {
                    var first = stream.Buffered;
                    logger.ClientRefused(_client, format.DescribeRefusal(), Convert.ToHexString(first[..Math.Min(first.Length, FirstBytesLogged)]));
                }

                return;
            }

            if (format != ClientWireFormat.FramedBinary)
            {
                logger.NonCanonicalWireFormat(_client, format.ToString());
            }

            await ServeAsync(stream, format);
            if (stopReading.IsCancellationRequested)
            {
                logger.ClosedAtShutdown(_client); // answered its last call, not read again
            }
            else
            {
                logger.ClientDisconnected(_client);
            }
        }
        catch (FrameTooLargeException ex)
        {
            if (limits.FrameTooLarge.ShouldLog())
            {
                logger.FrameTooLarge(_client, ex.FrameBytes, ex.MaxFrameBytes);
            }
        }
        catch (HalfSentMessageException ex)
        {
            if (limits.HalfSentMessage.ShouldLog())
            {
                logger.HalfSentMessage(_client, ex.ReceivedBytes, ex.Timeout.TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (stopReading.IsCancellationRequested)
        {
            logger.ClosedAtShutdown(_client);
        }
        catch (Exception ex) when (IsClientGone(ex))
        {
            logger.ClientDisconnected(_client);
        }
        catch (Exception ex)
        {
            if (limits.ClientFailed.ShouldLog())
            {
                logger.ClientFailed(_client, ex.Message);
            }
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private async Task ServeAsync(ClientStream stream, ClientWireFormat format)
    {
        // Thrift's own message-size budget must not refuse what the frame check let through.
        var config = new TConfiguration { MaxFrameSize = options.MaxFrameBytes, MaxMessageSize = options.MaxFrameBytes + FrameHeaderBytes };
        TTransport transport = new TStreamTransport(stream, stream, config);
        if (format.IsFramed())
        {
            stream.ServeFramed();
            transport = new TFramedTransport(transport);
        }

        // No TBufferedTransport: ClientStream buffers, and a buffer above it would read the next
        // message ahead, where the stream could not tell that it has begun.
        TProtocol protocol = format.IsCompact() ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);
        var failures = new CallFailureSlot();
        var handler = new AbandonableCalls(new FdsApiHandler(deps, failures, (_client as System.Net.IPEndPoint)?.Address.ToString() ?? ""), abandonCalls);
        var processor = new fdsapi.AsyncProcessor(handler, NullLogger<fdsapi.AsyncProcessor>.Instance);
        var output = new CauseRevealingProtocol(protocol, failures);

        // Calls on one connection are sequential (Thrift clients wait for each answer); calls on
        // different connections run concurrently, and none holds a thread while it waits.
        // Once shutdown stops reading, a client is not read again after its reply.
        while (!stopReading.IsCancellationRequested && await transport.PeekAsync(CancellationToken.None))
        {
            if (IcpReaderInline.IsActive)
            {
                // The last answer completed on the ICP reader (IcpCallOptions.MayCompleteOnReader)
                // and this client's next request was already buffered: leave the reader before
                // doing more than that one reply, so no client can hold up the ICP link.
                await Task.Yield();
            }

            // Counted until the reply is written, so a shutdown waits for the answer to go out.
            using var inFlight = deps.InFlight.Enter();
            // Not cancellable (see AbandonableCalls): ClientStream bounds the reads, and the
            // handler's own token ends its wait at shutdown.
            if (!await processor.ProcessAsync(protocol, output, CancellationToken.None))
            {
                break;
            }

            stream.EndOfMessage();
        }
    }

    private static async Task<ClientWireFormat> SniffAsync(ClientStream stream)
    {
        // The first read waits as long as the client likes (it may connect early); once it has
        // started talking, the rest of its header is under the message deadline like any message.
        var format = ClientWireFormat.Undecided;
        while (format == ClientWireFormat.Undecided && await stream.FillAsync())
        {
            format = WireFormatSniffer.Sniff(stream.Buffered);
        }

        return format;
    }

    private bool IsClientGone(Exception ex) =>
        stopReading.IsCancellationRequested
        || ex is IOException or SocketException or ObjectDisposedException
        || (ex is TTransportException t && t.Type is TTransportException.ExceptionType.EndOfFile or TTransportException.ExceptionType.NotOpen)
        || ex.InnerException is IOException or SocketException;
}
