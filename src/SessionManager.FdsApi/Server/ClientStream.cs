using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// A Thrift client's connection as the Thrift transports see it. It owns the policy of every read
/// and write, whatever token a Thrift layer passes down:
/// <list type="bullet">
/// <item>between messages nothing is buffered: a zero-byte read waits for the next bytes (forever
///   for a client that presented a valid token, FdsApi:UnauthenticatedIdleTimeout for one that has
///   not, until <c>stopReading</c> at shutdown), and only then is the read buffer rented;</item>
/// <item>once a message has begun, the rest must arrive within FdsApi:FrameTimeout (<see cref="MessageDeadline"/>);</item>
/// <item>framed, each frame length is checked against FdsApi:MaxFrameBytes, and a frame larger than
///   the read buffer reserves its size from FdsApi:MaxBufferedBytes, before its body is read. The
///   framing is done here, not by TFramedTransport, whose read buffer grows to the largest frame and
///   stays with its connection; the protocol reads the body straight from this stream;</item>
/// <item>writes are buffered until flush (framed: behind a length header) and then sent without a
///   cancellation token: a reply, once the call is done, always goes out (closing the socket is
///   what ends a write that is stuck). A large write buffer is not kept after its reply.</item>
/// </list>
/// The bytes read to tell the wire format (<see cref="Buffered"/>) stay in the buffer for Thrift.
/// </summary>
internal sealed class ClientStream : AsyncOnlyStream
{
    private const int FrameHeaderBytes = 4;

    /// <summary>The read buffer, rented while a message is being received. Messages within it need no budget.</summary>
    public const int ReadBufferBytes = 8192;

    /// <summary>A reply buffer grown beyond this is dropped after its reply rather than kept for the next.</summary>
    private const int KeptWriteBufferBytes = 16 * 1024;

    private readonly Stream _socket;
    private readonly int _maxFrameBytes;
    private readonly CancellationToken _stopReading;
    private readonly MessageDeadline _deadline;
    private readonly ClientBufferBudget _budget;
    private readonly TimeSpan _unauthenticatedIdleTimeout;
    private readonly TimeProvider _time;
    private ArrayBufferWriter<byte> _write = new(512);
    private byte[]? _read;
    private int _readStart;
    private int _readEnd;
    private bool _framed;
    private long _frameLeft;
    private long _frameBytes;
    private long _reserved;

    public ClientStream(Stream socket, FdsApiOptions options, ClientBufferBudget budget, TimeProvider time, CancellationToken stopReading)
    {
        _socket = socket;
        _maxFrameBytes = options.MaxFrameBytes;
        _unauthenticatedIdleTimeout = options.UnauthenticatedIdleTimeout;
        _budget = budget;
        _time = time;
        _stopReading = stopReading;
        _deadline = new MessageDeadline(options.FrameTimeout);
    }

    /// <summary>Set once the client made a call with a token the check point accepted: it may then idle without limit.</summary>
    public bool PresentedValidToken { get; set; }

    /// <summary>Whether the read buffer is held now (between messages it is not).</summary>
    public bool HoldsReadBuffer => _read is not null;

    /// <summary>Bytes received and not yet read by Thrift.</summary>
    public ReadOnlySpan<byte> Buffered => _read.AsSpan(_readStart, _readEnd - _readStart);

    /// <summary>Hands over the bytes buffered so far (a TLS ClientHello's first bytes): this stream is not read again.</summary>
    public byte[] TakeBuffered()
    {
        var taken = Buffered.ToArray();
        _readStart = _readEnd = 0;
        ReturnReadBuffer();
        return taken;
    }

    /// <summary>From now on, reads go frame by frame (the protocol sees only frame bodies) and replies get a length header.</summary>
    public void ServeFramed() => _framed = true;

    /// <summary>
    /// True when the frame begun last is at most <paramref name="maxBytes"/> long (header included)
    /// and the rest of it is buffered here: parsing its message reads nothing more from the socket
    /// and costs no more than that many bytes.
    /// </summary>
    public bool HoldsWholeFrameOfAtMost(int maxBytes) =>
        _framed && _frameBytes > 0 && _frameBytes <= maxBytes && _readEnd - _readStart >= _frameLeft;

    /// <summary>
    /// Thrift has read a whole message and its reply is written: the message's budget goes back.
    /// Bytes already buffered beyond it are the start of the next one, whose clock starts now;
    /// otherwise the client is idle, without a deadline and without a buffer.
    /// </summary>
    public void EndOfMessage()
    {
        ReleaseBudget();
        if (_readEnd > _readStart)
        {
            _deadline.Start(_readEnd - _readStart);
        }
        else
        {
            _deadline.Stop();
            ReturnReadBuffer();
        }
    }

    /// <summary>
    /// The protocol is about to read a field of <paramref name="bytes"/> (a string, a binary, a
    /// container's elements) and size a buffer for it. Framed, the frame reserved its budget and
    /// the field must fit in it; unframed, the message's length is not known ahead, so a large
    /// field reserves its size now, without waiting (this is a synchronous call).
    /// </summary>
    public void AdmitField(long bytes)
    {
        if (_framed)
        {
            // +1: Thrift's transport may hold one peeked byte of the frame.
            if (bytes > _frameLeft + 1)
            {
                throw new InvalidDataException($"a field of {bytes} bytes announced, more than the {_frameLeft} left in its frame");
            }

            return;
        }

        if (bytes > ReadBufferBytes)
        {
            if (!_budget.TryReserve(bytes))
            {
                throw new BufferBudgetExhaustedException(bytes, _budget.Capacity);
            }

            _reserved += bytes;
        }
    }

    /// <summary>Receives more bytes into <see cref="Buffered"/>; false when the client has closed its side.</summary>
    /// <exception cref="OperationCanceledException">idle, and shutdown stopped reading.</exception>
    /// <exception cref="HalfSentMessageException">a message was begun and not finished in time.</exception>
    /// <exception cref="UnauthenticatedIdleException">idle too long without having presented a valid token.</exception>
    public async ValueTask<bool> FillAsync()
    {
        int read;
        if (_deadline.IsRunning)
        {
            read = await _deadline.ReadAsync(_socket, FreeSpace());
        }
        else
        {
            read = _readEnd == _readStart ? await ReadWhenIdleAsync() : await _socket.ReadAsync(FreeSpace(), _stopReading);
            if (read > 0)
            {
                _deadline.Start(read);
            }
        }

        _readEnd += read;
        return read > 0;
    }

    /// <summary>
    /// An idle wait holds no buffer: a zero-byte read completes once bytes (or the end) are there.
    /// Inside TLS too: SslStream passes a zero-byte read down to the socket when it has nothing
    /// buffered, and rents its own buffer only once a record arrives. (The reset at shutdown once
    /// blamed on this was a departure-watch receive left pending on the socket: see ClientDepartures.)
    /// A client that never presented a valid token may wait only so long.
    /// </summary>
    private async ValueTask<int> ReadWhenIdleAsync()
    {
        ReturnReadBuffer();
        if (PresentedValidToken || _unauthenticatedIdleTimeout == Timeout.InfiniteTimeSpan)
        {
            return await WaitAndReadAsync(_stopReading);
        }

        using var idle = new CancellationTokenSource(_unauthenticatedIdleTimeout, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, _stopReading);
        try
        {
            return await WaitAndReadAsync(either.Token);
        }
        catch (OperationCanceledException ex) when (idle.IsCancellationRequested && !_stopReading.IsCancellationRequested)
        {
            throw new UnauthenticatedIdleException(_unauthenticatedIdleTimeout, ex);
        }
    }

    private async ValueTask<int> WaitAndReadAsync(CancellationToken cancellationToken)
    {
        _ = await _socket.ReadAsync(Memory<byte>.Empty, cancellationToken); // zero bytes: only waits
        return await _socket.ReadAsync(FreeSpace(), cancellationToken);
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
        while (_framed && _frameLeft == 0)
        {
            if (!await BeginFrameAsync())
            {
                return 0;
            }
        }

        if (_readEnd == _readStart && !await FillAsync())
        {
            return 0;
        }

        return CopyOut(buffer.Span);
    }

    /// <summary>Reads and checks a frame header and reserves budget for its body; false at the client's end.</summary>
    private async ValueTask<bool> BeginFrameAsync()
    {
        while (_readEnd - _readStart < FrameHeaderBytes)
        {
            if (!await FillAsync())
            {
                return false; // a truncated header: the message ends here
            }
        }

        // Read as unsigned: a negative int32 is not a frame, and as a length it is above any limit.
        uint length = BinaryPrimitives.ReadUInt32BigEndian(Buffered);
        if (length > (uint)_maxFrameBytes)
        {
            throw new FrameTooLargeException(length, _maxFrameBytes);
        }

        _readStart += FrameHeaderBytes;
        _frameLeft = length;
        _frameBytes = FrameHeaderBytes + length;
        if (length > ReadBufferBytes)
        {
            await ReserveAsync(length);
        }

        return true;
    }

    /// <summary>Waits up to FdsApi:FrameTimeout for budget; the frame's own clock starts again after.</summary>
    private async ValueTask ReserveAsync(long bytes)
    {
        if (!await _budget.ReserveAsync(bytes, _deadline.Timeout, _stopReading))
        {
            throw new BufferBudgetExhaustedException(bytes, _budget.Capacity);
        }

        _reserved += bytes;
        _deadline.Start(_readEnd - _readStart);
    }

    private void ReleaseBudget()
    {
        _budget.Release(_reserved);
        _reserved = 0;
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

    private Memory<byte> FreeSpace()
    {
        _read ??= ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        if (_readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
        }
        else if (_readEnd == _read.Length)
        {
            // Only reached with part of a header or field buffered: the move is small.
            Buffer.BlockCopy(_read, _readStart, _read, 0, _readEnd - _readStart);
            _readEnd -= _readStart;
            _readStart = 0;
        }

        return _read.AsMemory(_readEnd);
    }

    private void ReturnReadBuffer()
    {
        if (_read is { } read && _readStart == _readEnd)
        {
            _read = null;
            _readStart = _readEnd = 0;
            ArrayPool<byte>.Shared.Return(read);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Append(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Append(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_framed && _write.WrittenCount == 0)
        {
            _write.GetSpan(FrameHeaderBytes);
            _write.Advance(FrameHeaderBytes); // the length goes here at flush
        }

        _write.Write(bytes);
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_write.WrittenCount == 0)
        {
            return;
        }

        if (_framed)
        {
            var header = MemoryMarshal.AsMemory(_write.WrittenMemory).Span;
            BinaryPrimitives.WriteInt32BigEndian(header, _write.WrittenCount - FrameHeaderBytes);
        }

        await _socket.WriteAsync(_write.WrittenMemory, CancellationToken.None);
        if (_write.Capacity > KeptWriteBufferBytes)
        {
            _write = new ArrayBufferWriter<byte>(512);
        }
        else
        {
            _write.ResetWrittenCount();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _socket.Dispose();
            _deadline.Dispose();
            ReleaseBudget();
            _readStart = _readEnd;
            ReturnReadBuffer();
        }

        base.Dispose(disposing);
    }
}
