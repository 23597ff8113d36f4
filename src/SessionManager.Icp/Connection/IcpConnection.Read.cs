using System.Buffers;
using System.IO.Pipelines;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
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
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            try
            {
                while (IcpFrameCodec.TryReadFrame(ref buffer, _options.MaxFrameBytes, out var body))
                {
                    await OnMessageAsync(IcpFrameCodec.ParseBody(body));
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
                // Consumed up to the last whole frame; everything after it has been examined.
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private ValueTask OnMessageAsync(RPCBase message)
    {
        if (message.IsResponse)
        {
            if (!_pending.TryComplete(message, out _))
            {
                _logger.UnknownTagResponse(message.Tag, message.MsgType, IcpMessageTypes.NameOf(message.MsgType));
            }

            return ValueTask.CompletedTask;
        }

        if (message.MsgType == IcpMessageTypes.Handshake)
        {
            return AnswerHandshakeAsync(message);
        }

        if (!_firstRequestSeen)
        {
            _firstRequestSeen = true;
            _logger.LegacyPeer(Peer);
        }

        var response = _dispatcher.DispatchAsync(message, Closed);
        if (response.IsCompletedSuccessfully)
        {
            return AnswerAsync(response.Result);
        }

        // A slow handler must not hold up the next frame: answer when it is done.
        _ = AnswerWhenDoneAsync(response);
        return ValueTask.CompletedTask;
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

        await AnswerAsync(RpcMessages.HandshakeAnswer(request.Tag));

        if (request.VersionInfo is not null && request.VersionInfo.Vmajor > IcpMessageTypes.VersionMajor)
        {
            _logger.PeerVersionTooNew(Peer, request.VersionInfo.Vmajor, request.VersionInfo.Vminor);
            CloseAfterSending(new IcpProtocolVersionException(request.VersionInfo.Vmajor, request.VersionInfo.Vminor));
        }
    }

    private async Task AnswerWhenDoneAsync(ValueTask<RPCBase> response) => await AnswerAsync(await response);

    private async ValueTask AnswerAsync(RPCBase response)
    {
        try
        {
            await SendAsync(response, CancellationToken.None);
            if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
            {
                _logger.RequestAnswered(IcpMessageTypes.NameOf(response.MsgType), response.Tag, response.Status.ToString());
            }
        }
        catch (IcpConnectionLostException)
        {
            // The connection ended while the handler ran; there is nobody left to answer.
        }
    }
}
