using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace SessionManager.Benchmarks;

/// <summary>
/// One end of an in-memory duplex connection: reads what the other end wrote into
/// <c>input</c>, writes into <c>output</c>. Stands in for the Unix socket's NetworkStream.
/// Its own awaits use pooled state machines, so the benchmarks' Allocated column is the
/// engine's, not this stand-in's.
/// </summary>
internal sealed class DuplexPipeStream(PipeReader input, PipeWriter output) : Stream
{
    private volatile bool _disposed;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_disposed)
        {
            return new ValueTask<int>(0);
        }

        return input.TryRead(out var result)
            ? new ValueTask<int>(CopyOut(result, buffer))
            : ReadWhenAvailableAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var flush = output.WriteAsync(buffer, cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            ThrowIfPeerGone(flush.Result);
            return ValueTask.CompletedTask;
        }

        return WriteWhenFlushedAsync(flush);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Like closing a socket: the peer reads end of stream, our pending read returns 0.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            output.Complete();
            input.CancelPendingRead();
        }

        base.Dispose(disposing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadWhenAvailableAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await input.ReadAsync(cancellationToken);
        return _disposed ? 0 : CopyOut(result, buffer);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WriteWhenFlushedAsync(ValueTask<FlushResult> flush) => ThrowIfPeerGone(await flush);

    private int CopyOut(ReadResult result, Memory<byte> destination)
    {
        var available = result.Buffer;
        if (result.IsCanceled || (available.IsEmpty && result.IsCompleted))
        {
            input.AdvanceTo(available.Start);
            return 0;
        }

        var taken = available.Slice(0, Math.Min(available.Length, destination.Length));
        taken.CopyTo(destination.Span);
        input.AdvanceTo(taken.End);
        return (int)taken.Length;
    }

    private static void ThrowIfPeerGone(FlushResult result)
    {
        if (result.IsCompleted)
        {
            throw new IOException("the peer closed the connection");
        }
    }
}
