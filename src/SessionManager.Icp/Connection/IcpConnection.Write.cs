using System.Diagnostics;
using System.IO.Pipelines;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

public sealed partial class IcpConnection
{
    // Frames are serialized into this pipe under _sendLock and the send loop drains it, so frames
    // written while a send is in progress go out together in the next one. The pause threshold
    // bounds what an RDS server that stops reading can make us hold.
    private const int OutboundPauseBytes = 1024 * 1024;
    private readonly Pipe _outbound;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Exception? _closeAfterSending;

    /// <summary>Queues one frame. Frames never interleave: there is one writer at a time.</summary>
    /// <exception cref="IcpConnectionLostException">the connection is closed or closing.</exception>
    internal async ValueTask SendAsync(RPCBase message, CancellationToken cancellationToken)
    {
        if (!_sendLock.Wait(0, CancellationToken.None))
        {
            await _sendLock.WaitAsync(cancellationToken);
        }

        try
        {
            if ((_abortReason ?? _closeAfterSending) is { } closed)
            {
                throw new IcpConnectionLostException(IcpMessageTypes.NameOf(message.MsgType), closed);
            }

            IcpFrameCodec.WriteFrame(_outbound.Writer, message);
            var flush = _outbound.Writer.FlushAsync(CancellationToken.None);
            if (!flush.IsCompleted)
            {
                await WaitForPeerToReadAsync(flush.AsTask());
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// The outbound buffer is full: the RDS server is not reading. Waiting longer than a call
    /// may wait would leave every caller stuck behind it, so the connection is given up.
    /// </summary>
    private async Task WaitForPeerToReadAsync(Task<FlushResult> flush)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await flush.WaitAsync(_options.RequestTimeout);
        }
        catch (TimeoutException)
        {
            _logger.PeerStoppedReading(Peer, ElapsedMs(started));
            Abort(new TimeoutException($"RDS server stopped reading for {_options.RequestTimeout.TotalSeconds:0.###} s"));
            throw new IcpConnectionLostException("send", _abortReason);
        }
    }

    /// <summary>Lets the frames already queued go out, then closes with <paramref name="reason"/>.</summary>
    private async ValueTask CloseAfterSendingAsync(Exception reason)
    {
        await _sendLock.WaitAsync();
        try
        {
            _closeAfterSending ??= reason;
            await _outbound.Writer.CompleteAsync();
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _outbound.Reader;
        Exception? failure = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await _transport.WriteAsync(segment);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        await reader.CompleteAsync(failure);
        Abort(failure ?? _closeAfterSending ?? new EndOfStreamException("connection closed"));
    }
}
