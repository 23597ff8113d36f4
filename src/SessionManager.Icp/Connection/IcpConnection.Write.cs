using System.Buffers;
using System.Diagnostics;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

public sealed partial class IcpConnection
{
    /// <summary>
    /// The most frame bytes that may wait behind a write in progress. Only an RDS server that
    /// has stopped reading gets there (the kernel buffer is full and a megabyte more is queued):
    /// the connection is given up rather than grow without bound.
    /// </summary>
    internal const int MaxQueuedBytes = 1024 * 1024;

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

    /// <summary>Sends one frame, or queues it behind the write in progress.</summary>
    /// <exception cref="IcpConnectionLostException">the connection is closed or closing.</exception>
    internal ValueTask SendAsync(RPCBase message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_queueLock)
        {
            if ((_abortReason ?? _closeAfterSending) is { } closed)
            {
                throw new IcpConnectionLostException(IcpMessageTypes.NameOf(message.MsgType), closed);
            }

            IcpFrameCodec.WriteFrame(_queued, message);
            if (_writing)
            {
                if (_queued.WrittenCount > MaxQueuedBytes)
                {
                    var stalled = new IOException($"RDS server is not reading: {_queued.WrittenCount} bytes of frames are waiting");
                    ThreadPool.UnsafeQueueUserWorkItem(static s => s.Connection.Abort(s.Reason), (Connection: this, Reason: (Exception)stalled), preferLocal: false);
                    throw new IcpConnectionLostException(IcpMessageTypes.NameOf(message.MsgType), stalled);
                }

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

                batch.ResetWrittenCount();
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

    /// <summary>
    /// The socket buffer is full: the RDS server is not reading. Waiting longer than a call may
    /// wait would leave every caller stuck behind it, so the connection is given up.
    /// </summary>
    private async Task WaitForPeerToReadAsync(ValueTask write)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await write.AsTask().WaitAsync(_options.RequestTimeout);
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
