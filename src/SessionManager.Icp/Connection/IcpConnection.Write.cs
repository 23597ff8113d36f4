using System.Buffers;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

public sealed partial class IcpConnection
{
    // Write combining: a sender serializes its frame into _queued under _queueLock; if no write
    // is in progress it becomes the writer and sends what is queued, looping until the queue is
    // empty. Frames queued meanwhile by others go out with the next write, so under load many
    // frames share one syscall, and when idle the caller writes its own frame at once, with no
    // hand-off to another thread. One writer at a time; frames never interleave.
    private readonly Lock _queueLock = new();
    private ArrayBufferWriter<byte> _queued = new(4096);
    private ArrayBufferWriter<byte> _sending = new(4096);
    private bool _writing;
    private Exception? _closeAfterSending;

    /// <summary>
    /// The most frame bytes that may wait behind a write in progress (the frame being added not
    /// counted): room for two of the largest frames, and never less than 1 MiB. Past it a call
    /// fails alone; an RDS server that has stopped reading is found by the write's own deadline.
    /// </summary>
    internal int MaxQueuedBytes => Math.Max(1024 * 1024, 2 * _options.MaxFrameBytes);

    /// <summary>Sends one frame, or queues it behind the write in progress.</summary>
    /// <exception cref="IcpConnectionLostException">the connection is closed or closing.</exception>
    /// <exception cref="IcpLimitException">the frame is larger than <c>Icp:MaxFrameBytes</c>, or too much is waiting.</exception>
    internal ValueTask SendAsync(RPCBase message) => SendAsync(message, readyOnceQueued: false);

    /// <param name="readyOnceQueued">The handshake answer: the connection becomes ready in the same
    /// step as the answer is queued, so the peer never sees the answer before calls can flow, and
    /// no request of ours can be queued ahead of it.</param>
    private ValueTask SendAsync(RPCBase message, bool readyOnceQueued)
    {
        int size = message.CalculateSize();
        if (size > _options.MaxFrameBytes)
        {
            throw new IcpLimitException(
                $"ICP {IcpMessageTypes.NameOf(message.MsgType)} not sent: its frame of {size} bytes is larger than Icp:MaxFrameBytes ({_options.MaxFrameBytes})");
        }

        lock (_queueLock)
        {
            if ((_abortReason ?? _closeAfterSending) is { } closed)
            {
                throw new IcpConnectionLostException(IcpMessageTypes.NameOf(message.MsgType), closed);
            }

            if (_writing && _queued.WrittenCount > MaxQueuedBytes)
            {
                throw new IcpLimitException(
                    $"ICP {IcpMessageTypes.NameOf(message.MsgType)} not sent: {_queued.WrittenCount} bytes are already waiting to be sent to the RDS server");
            }

            IcpFrameCodec.WriteFrame(_queued, message, size);
            if (readyOnceQueued)
            {
                BecomeReady();
            }

            if (_writing)
            {
                return ValueTask.CompletedTask; // the writer in progress takes it along
            }

            _writing = true;
        }

        return WriteQueuedAsync();
    }

    /// <summary>Sends until nothing is queued. Runs as the only writer.</summary>
    private async ValueTask WriteQueuedAsync()
    {
        try
        {
            while (true)
            {
                ArrayBufferWriter<byte>? batch = null;
                Exception? closeNow = null;
                lock (_queueLock)
                {
                    if (_queued.WrittenCount == 0)
                    {
                        _writing = false;
                        closeNow = _closeAfterSending;
                    }
                    else
                    {
                        // Swap buffers: senders fill the other one while this one is on its way.
                        batch = _queued;
                        _queued = _sending;
                        _sending = batch;
                    }
                }

                if (batch is null)
                {
                    if (closeNow is not null)
                    {
                        Abort(closeNow); // the last frame before the close is out
                    }

                    return;
                }

                var write = _transport.WriteAsync(batch.WrittenMemory);
                if (!write.IsCompletedSuccessfully)
                {
                    await WaitForPeerToReadAsync(write);
                }

                // Keep a buffer that grew for a large frame from pinning that memory for ever.
                if (batch.Capacity > MaxRetainedBuffer)
                {
                    lock (_queueLock)
                    {
                        if (ReferenceEquals(_sending, batch))
                        {
                            _sending = new ArrayBufferWriter<byte>(4096);
                        }
                    }
                }
                else
                {
                    batch.ResetWrittenCount();
                }
            }
        }
        catch (Exception ex)
        {
            // The frames cannot be delivered: the connection is over, and every pending call
            // learns it from Abort. Later senders see the abort reason.
            Abort(ex);
            lock (_queueLock)
            {
                _writing = false;
            }

            throw new IcpConnectionLostException("send", _abortReason ?? ex);
        }
    }

    private const int MaxRetainedBuffer = 256 * 1024;

    /// <summary>
    /// The socket buffer is full: the RDS server is not reading. Waiting longer than a call may
    /// wait would leave every caller stuck behind it, so the connection is given up.
    /// </summary>
    private async Task WaitForPeerToReadAsync(ValueTask write)
    {
        long started = _time.GetTimestamp();
        try
        {
            await write.AsTask().WaitAsync(_options.RequestTimeout, _time);
        }
        catch (TimeoutException)
        {
            _logger.PeerStoppedReading(Peer, ElapsedMs(started));
            throw new TimeoutException($"RDS server stopped reading for {_options.RequestTimeout.TotalSeconds:0.###} s");
        }
    }

    /// <summary>
    /// Lets the frames already queued go out, then closes with <paramref name="reason"/>: at once
    /// if nothing is being written, otherwise when the writer in progress has emptied the queue.
    /// </summary>
    private void CloseAfterSending(Exception reason)
    {
        lock (_queueLock)
        {
            _closeAfterSending ??= reason;
            if (_writing)
            {
                return;
            }
        }

        Abort(reason);
    }
}
