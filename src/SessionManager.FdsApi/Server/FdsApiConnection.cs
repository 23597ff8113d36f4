using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Handler;
using SessionManager.Icp.Connection;
using SessionManager.FdsApi.Logging;
using SessionManager.FdsApi.Tls;
using Thrift;
using Thrift.Protocol;
using Thrift.Transport;
using Thrift.Transport.Client;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// One Thrift client: tell what it speaks from its first bytes (a TLS ClientHello is answered
/// with a handshake, and the same is told again inside TLS), build the matching transport and protocol, then process its calls one after another until it leaves or shutdown stops
/// reading. Two shutdown tokens: <c>stopReading</c> ends the wait for a next request;
/// <c>abandonCalls</c> ends a handler's wait (it then answers "shutting down"). A client that
/// leaves while its call runs ends that wait too. Large messages reserve their size from the
/// daemon's <see cref="ClientBufferBudget"/>.
/// </summary>
internal sealed class FdsApiConnection(
    Socket socket,
    FdsApiOptions options,
    FdsApiDependencies deps,
    FdsApiLogLimits limits,
    FdsApiTls tls,
    ClientBufferBudget budget,
    ClientDepartures departures,
    TimeProvider time,
    ILogger logger,
    CancellationToken stopReading,
    CancellationToken abandonCalls)
{
    private const int FrameHeaderBytes = 4;

    /// <summary>
    /// The largest request a client's connection may parse on an ICP reader right after its last
    /// reply was written there (bridged calls are a few dozen bytes; a long sendMessage is not).
    /// </summary>
    private const int MaxRequestBytesOnIcpReader = 1024;

    /// <summary>First bytes shown in the log line of a refused client (enough for "GET / HTTP/1.1").</summary>
    private const int FirstBytesLogged = 16;

    private readonly EndPoint? _client = socket.RemoteEndPoint;

    /// <summary>Closes the socket under whatever is running: the last step of shutdown.</summary>
    public void Abort() => socket.Dispose();

    public async Task RunAsync()
    {
        var raw = new NetworkStream(socket, ownsSocket: true);
        var plain = NewClientStream(raw);
        var stream = plain;
        try
        {
            logger.ClientConnected(_client);
            var format = await SniffAsync(stream);
            bool encrypted = false;
            if (format == ClientWireFormat.Tls && tls.Mode != FdsApiTlsMode.Off)
            {
                // The ClientHello's first bytes were read to tell it apart: the handshake gets them back.
                var ssl = await TlsHandshake.AcceptAsync(new ReplayingStream(plain.TakeBuffered(), raw), tls, stopReading);
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    logger.TlsClient(_client, ssl.SslProtocol.ToString(), ssl.NegotiatedCipherSuite.ToString());
                }
                stream = NewClientStream(ssl);
                encrypted = true;
                format = await SniffAsync(stream); // inside TLS, the same choice of transport and protocol
            }

            if (format == ClientWireFormat.Undecided)
            {
                return; // left before saying anything Thrift could recognise
            }

            if (RefusalOf(format, encrypted) is { } mistake)
            {
                if (limits.ClientRefused.ShouldLog())
                {
                    var first = stream.Buffered;
                    logger.ClientRefused(_client, mistake, Convert.ToHexString(first[..Math.Min(first.Length, FirstBytesLogged)]));
                }

                return;
            }

            deps.Metrics?.Connection(encrypted);
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
        catch (TlsHandshakeFailedException ex)
        {
            if (limits.TlsHandshakeFailed.ShouldLog())
            {
                logger.TlsHandshakeFailed(_client, ex.Message);
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
        catch (BufferBudgetExhaustedException ex)
        {
            if (limits.BufferBudgetExhausted.ShouldLog())
            {
                logger.BufferBudgetExhausted(_client, ex.MessageBytes, ex.MaxBufferedBytes);
            }
        }
        catch (UnauthenticatedIdleException ex)
        {
            if (limits.UnauthenticatedIdle.ShouldLog())
            {
                logger.UnauthenticatedIdle(_client, ex.Timeout.TotalMilliseconds);
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
            // The TLS stream owns the socket through the plain one's; disposing both is harmless.
            await stream.DisposeAsync();
            await plain.DisposeAsync();
        }
    }

    private ClientStream NewClientStream(Stream client) => new(client, options, budget, time, stopReading);

    /// <summary>Why a client that spoke first is not served, or null when it is.</summary>
    private string? RefusalOf(ClientWireFormat format, bool encrypted) => format switch
    {
        ClientWireFormat.Tls when encrypted => "client started a second TLS handshake inside TLS",
        _ when !format.IsServed() => format.DescribeRefusal(),
        _ when !encrypted && tls.Mode == FdsApiTlsMode.Required =>
            $"client speaks plain Thrift ({format}), but FdsApi:Tls is required: configure the client with TLS",
        _ => null,
    };

    private async Task ServeAsync(ClientStream stream, ClientWireFormat format)
    {
        // Thrift's own message-size budget must not refuse what the frame check let through.
        var config = new TConfiguration { MaxFrameSize = options.MaxFrameBytes, MaxMessageSize = options.MaxFrameBytes + FrameHeaderBytes };
        if (format.IsFramed())
        {
            stream.ServeFramed(); // ClientStream frames: TFramedTransport would keep a buffer of the largest frame
        }

        // No TBufferedTransport: ClientStream buffers, and a buffer above it would read the next
        // message ahead, where the stream could not tell that it has begun.
        TTransport transport = new ClientTransport(stream, config);
        TProtocol protocol = format.IsCompact() ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);
        var failures = new CallFailureSlot();

        // One token per connection for its calls: ended by shutdown's abandon or by the client leaving.
        using var departed = new CancellationTokenSource();
        using var calls = CancellationTokenSource.CreateLinkedTokenSource(abandonCalls, departed.Token);
        var connectionDeps = deps.WithGate(new TokenWitnessGate(deps.Gate, stream));
        var methods = new FdsApiHandler(connectionDeps, failures, (_client as System.Net.IPEndPoint)?.Address.ToString() ?? "", departed.Token);
        using var watch = new ClientDepartureWatch(socket, departed, departures);
        var handler = new AbandonableCalls(methods, calls.Token, watch);
        var processor = new fdsapi.AsyncProcessor(handler, NullLogger<fdsapi.AsyncProcessor>.Instance);
        var output = new CauseRevealingProtocol(protocol, failures);

        // Calls on one connection are sequential (Thrift clients wait for each answer); calls on
        // different connections run concurrently, and none holds a thread while it waits.
        // Once shutdown stops reading, a client is not read again after its reply.
        while (!stopReading.IsCancellationRequested && await transport.PeekAsync(CancellationToken.None))
        {
            if (IcpReaderInline.IsActive && !stream.HoldsWholeFrameOfAtMost(MaxRequestBytesOnIcpReader))
            {
                // The last answer completed on the ICP reader (IcpCallOptions.MayCompleteOnReader)
                // and this client's next request was already there. A small, whole request may be
                // parsed there too: a bridged method then only checks, routes and writes its ICP
                // frame before it waits, and a local method leaves the reader at the check point
                // (FdsApiHandler.AdmitAsync). Anything else leaves the reader now, so no client
                // can hold up the ICP link.
                await Task.Yield();
            }

            // Counted until the reply is written, so a shutdown waits for the answer to go out.
            using var inFlight = deps.InFlight.Enter();
            // Not cancellable (see AbandonableCalls): ClientStream bounds the reads, and the
            // handler's own token ends its wait at shutdown. Watched from its handler's start
            // (AbandonableCalls) until its reply is written.
            bool served;
            try
            {
                served = await processor.ProcessAsync(protocol, output, CancellationToken.None);
            }
            finally
            {
                watch.Unwatch();
            }

            if (!served)
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
