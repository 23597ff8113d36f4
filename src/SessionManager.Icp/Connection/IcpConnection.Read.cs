using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

public sealed partial class IcpConnection
{
    private bool _firstRequestSeen;

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(_transport, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        Exception reason;
        try
        {
            reason = await ReadFramesAsync(reader);
        }
        catch (IcpProtocolException ex)
        {
            _logger.ProtocolError(Peer, ex.Error.ToString(), ex.Length, ex.Message);
            reason = ex;
        }
        catch (Exception ex)
        {
            // The transport failed or was closed under us (Abort disposes it).
            reason = ex;
        }

        await reader.CompleteAsync();
        Abort(reason);
    }

    /// <summary>Reads frames until the peer closes; returns why reading ended.</summary>
    private async Task<Exception> ReadFramesAsync(PipeReader reader)
    {
        while (true)
        {
            ReadActivity.Waiting();
            var result = await reader.ReadAsync();
            ReadActivity.Working();
            var buffer = result.Buffer;
            Volatile.Write(ref _lastReceived, _time.GetTimestamp());
            try
            {
                while (IcpFrameCodec.TryReadFrame(ref buffer, _options.MaxFrameBytes, out var body))
                {
                    var message = IcpFrameCodec.ParseBody(body);
                    if (message.IsResponse)
                    {
                        // The one place a caller's continuation may run on this thread: when
                        // nothing more is buffered, nothing waits behind it (IcpCallOptions).
                        OnResponse(message, nothingMoreBuffered: buffer.IsEmpty);
                        continue;
                    }

                    var accepted = OnRequestAsync(message);
                    if (!accepted.IsCompletedSuccessfully)
                    {
                        StartReplyBatch();

                        // Backpressure (Icp:MaxConcurrentRequests) is waiting, not a hang.
                        ReadActivity.Waiting();
                        await accepted;
                        ReadActivity.Working();
                    }
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        throw new IcpProtocolException(IcpProtocolError.TruncatedFrame,
                            $"stream ended {buffer.Length} bytes into a frame", (uint)buffer.Length);
                    }

                    return new EndOfStreamException("RDS server closed the connection");
                }
            }
            finally
            {
                // The answers gathered from this read go out now, whether or not it ended well.
                StartReplyBatch();

                // Consumed up to the last whole frame; everything after it has been examined.
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    /// <summary>
    /// Takes an RDS→SM request. The handshake is the engine's own and is answered here; every
    /// other request runs on the thread pool, at most <see cref="IcpOptions.MaxConcurrentRequests"/>
    /// at once. Past that the returned task waits for a free slot, so the reader stops reading
    /// (backpressure: the RDS server's writes block; nothing is dropped).
    /// </summary>
    private ValueTask OnRequestAsync(RPCBase request)
    {
        if (request.MsgType == IcpMessageTypes.Handshake)
        {
            return AnswerHandshakeAsync(request);
        }

        if (!_firstRequestSeen)
        {
            _firstRequestSeen = true;
            _logger.LegacyPeer(Peer);
            BecomeReady();
        }

        if (_requestSlots.Wait(0))
        {
            Schedule(request);
            return ValueTask.CompletedTask;
        }

        return WaitForSlotAsync(request);
    }

    private async ValueTask WaitForSlotAsync(RPCBase request)
    {
        _logger.RequestBackpressure(_options.MaxConcurrentRequests, IcpMessageTypes.NameOf(request.MsgType), request.Tag);
        await _requestSlots.WaitAsync(Closed);
        Schedule(request);
    }

    private void Schedule(RPCBase request) =>
        ThreadPool.UnsafeQueueUserWorkItem(new RequestWorkItem(this, request), preferLocal: false);

    /// <summary>Runs one RDS→SM request off the reader.</summary>
    private sealed class RequestWorkItem(IcpConnection connection, RPCBase request) : IThreadPoolWorkItem
    {
        public void Execute() => _ = connection.HandleRequestAsync(request);
    }

    private async Task HandleRequestAsync(RPCBase request)
    {
        try
        {
            var context = new IcpRequestContext(this, request.Tag, Generation, Closed);
            var response = await _dispatcher.DispatchAsync(request, context);
            await AnswerAsync(response);
        }
        catch (Exception ex)
        {
            // The dispatcher answers every handler failure itself; this is the link ending.
            _logger.RequestUnanswered(ex, IcpMessageTypes.NameOf(request.MsgType), request.Tag);
        }
        finally
        {
            _requestSlots.Release();
        }
    }

    private async ValueTask AnswerHandshakeAsync(RPCBase request)
    {
        bool firstRequest = !_firstRequestSeen;
        _firstRequestSeen = true;
        if (request.VersionInfo is null)
        {
            if (firstRequest)
            {
                _logger.LegacyPeer(Peer);
            }
        }
        else
        {
            PeerVersion = request.VersionInfo;
            _logger.HandshakeCompleted(Peer, request.VersionInfo.Vmajor, request.VersionInfo.Vminor);
        }

        bool tooNew = request.VersionInfo is not null && request.VersionInfo.Vmajor > IcpMessageTypes.VersionMajor;
        try
        {
            // Our own requests may follow only behind the answer: ready as it is queued.
            await SendAsync(RpcMessages.HandshakeAnswer(request.Tag), readyOnceQueued: !tooNew);
        }
        catch (IcpConnectionLostException)
        {
            return;
        }

        if (tooNew)
        {
            _logger.PeerVersionTooNew(Peer, request.VersionInfo!.Vmajor, request.VersionInfo.Vminor);
            CloseAfterSending(new IcpProtocolVersionException(request.VersionInfo.Vmajor, request.VersionInfo.Vminor));
        }
    }

    private async ValueTask AnswerAsync(RPCBase response)
    {
        try
        {
            await SendAsync(response);
        }
        catch (IcpLimitException ex)
        {
            // Too large to send: the request still gets its one answer.
            _logger.ResponseTooLarge(IcpMessageTypes.NameOf(response.MsgType), response.Tag, ex.Message);
            await SendAsync(RpcMessages.Failure(response.Tag, response.MsgType, RPCStatus.Failed, "response too large"));
        }
        catch (IcpConnectionLostException)
        {
            // The connection ended while the handler ran; there is nobody left to answer.
            return;
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.RequestAnswered(IcpMessageTypes.NameOf(response.MsgType), response.Tag, response.Status.ToString());
        }
    }
}
