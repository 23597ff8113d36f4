using System.Buffers;
using System.Buffers.Binary;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// A Thrift client's connection as the Thrift transports see it. It owns the policy of every read
/// and write, whatever token a Thrift layer passes down:
/// <list type="bullet">
/// <item>between messages a read waits forever, until <c>stopReading</c> (shutdown) ends it;</item>
/// <item>once a message has begun, the rest must arrive within FdsApi:FrameTimeout (<see cref="MessageDeadline"/>);</item>
/// <item>framed, each frame length is checked against FdsApi:MaxFrameBytes before it is handed on,
///   so TFramedTransport never sizes a buffer from a length above the limit;</item>
/// <item>writes are buffered until flush and then sent without a cancellation token: a reply, once
///   the call is done, always goes out (closing the socket is what ends a write that is stuck).</item>
/// </list>
/// The bytes read to tell the wire format (<see cref="Buffered"/>) stay in the buffer for Thrift.
/// </summary>
internal sealed class ClientStream : AsyncOnlyStream
{
    private const int FrameHeaderBytes = 4;

    private readonly Stream _socket;
    private readonly int _maxFrameBytes;
    private readonly CancellationToken _stopReading;
    private readonly MessageDeadline _deadline;
    private readonly byte[] _read = new byte[8192];
    private readonly ArrayBufferWriter<byte> _write = new(512);
    private int _readStart;
    private int _readEnd;
    private bool _framed;
    private long _frameLeft;
    private long _frameBytes;

    public ClientStream(Stream socket, TimeSpan frameTimeout, int maxFrameBytes, CancellationToken stopReading)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        _stopReading = stopReading;
        _deadline = new MessageDeadline(frameTimeout);
    }

    /// <summary>Bytes received and not yet read by Thrift.</summary>
    public ReadOnlySpan<byte> Buffered => _read.AsSpan(_readStart, _readEnd - _readStart);

    /// <summary>Hands over the bytes buffered so far (a TLS ClientHello's first bytes): this stream is not read again.</summary>
    public byte[] TakeBuffered()
    {
        var taken = Buffered.ToArray();
        _readStart = _readEnd = 0;
        return taken;
    }

    /// <summary>From now on, reads go frame by frame and each frame length is checked.</summary>
    public void ServeFramed() => _framed = true;

    /// <summary>
    /// True when the frame begun last has been read whole and is at most <paramref name="maxBytes"/>
    /// long (header included): the transport above holds the entire message, so parsing it reads
    /// nothing more from the socket and costs no more than that many bytes.
    /// </summary>
    public bool HoldsWholeFrameOfAtMost(int maxBytes) => _framed && _frameLeft == 0 && _frameBytes > 0 && _frameBytes <= maxBytes;

    /// <summary>
    /// Thrift has read a whole message. Bytes already buffered beyond it are the start of the
    /// next one, whose clock starts now; otherwise the client is idle, without a deadline.
    /// </summary>
    public void EndOfMessage()
    {
        if (_readEnd > _readStart)
        {
            _deadline.Start(_readEnd - _readStart);
        }
        else
        {
            _deadline.Stop();
        }
    }

    /// <summary>Receives more bytes into <see cref="Buffered"/>; false when the client has closed its side.</summary>
    /// <exception cref="OperationCanceledException">idle, and shutdown stopped reading.</exception>
    /// <exception cref="HalfSentMessageException">a message was begun and not finished in time.</exception>
    public async ValueTask<bool> FillAsync()
    {
        MakeRoom();
        var free = _read.AsMemory(_readEnd);
        int read;
        if (_deadline.IsRunning)
        {
            read = await _deadline.ReadAsync(_socket, free);
        }
        else
        {
            read = await _socket.ReadAsync(free, _stopReading);
            if (read > 0)
            {
                _deadline.Start(read);
            }
        }

        _readEnd += read;
        return read > 0;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The common case: the bytes are here already (a small message arrives in one segment).
        if (_readEnd > _readStart && (!_framed || _frameLeft > 0))
        {
            return ValueTask.FromResult(CopyOut(buffer.Span));
        }

        return ReadMoreAsync(buffer);
    }

    private async ValueTask<int> ReadMoreAsync(Memory<byte> buffer)
    {
        if (_framed && _frameLeft == 0)
        {
            await BeginFrameAsync();
        }

        if (_readEnd == _readStart && !await FillAsync())
        {
            return 0;
        }

        return CopyOut(buffer.Span);
    }

    private async ValueTask BeginFrameAsync()
    {
        while (_readEnd - _readStart < FrameHeaderBytes)
        {
            if (!await FillAsync())
            {
                _frameLeft = _readEnd - _readStart; // a truncated header: hand on what there is, then end
                return;
            }
        }

        // Read as unsigned: a negative int32 is not a frame, and as a length it is above any limit.
        uint length = BinaryPrimitives.ReadUInt32BigEndian(Buffered);
        if (length > (uint)_maxFrameBytes)
        {
            throw new FrameTooLargeException(length, _maxFrameBytes);
        }

        _frameLeft = _frameBytes = FrameHeaderBytes + length;
    }

    private int CopyOut(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, _readEnd - _readStart);
        if (_framed)
        {
            count = (int)Math.Min(count, _frameLeft);
            _frameLeft -= count;
        }

        _read.AsSpan(_readStart, count).CopyTo(destination);
        _readStart += count;
        return count;
    }

    private void MakeRoom()
    {
        if (_readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
        }
        else if (_readEnd == _read.Length)
        {
            // Only reached with a few header bytes buffered: the move is tiny.
            Buffer.BlockCopy(_read, _readStart, _read, 0, _readEnd - _readStart);
            _readEnd -= _readStart;
            _readStart = 0;
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _write.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _write.Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_write.WrittenCount == 0)
        {
            return;
        }

        await _socket.WriteAsync(_write.WrittenMemory, CancellationToken.None);
        _write.ResetWrittenCount();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _socket.Dispose();
            _deadline.Dispose();
        }

        base.Dispose(disposing);
    }
}
