using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.Benchmarks;

/// <summary>
/// Writing one SM→RDS request frame: <see cref="RpcMessages.Request"/> then
/// <see cref="IcpFrameCodec.WriteFrame"/> into a reused buffer. <see cref="BuildRequest"/> alone
/// is the baseline: whatever a write benchmark allocates beyond it comes from framing.
/// </summary>
[MemoryDiagnoser]
public class WriteFrameBenchmarks
{
    private readonly VirtualChannelOpenRequest _request = SampleMessages.OpenRequest();
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Pipe _pipe = new(new PipeOptions(useSynchronizationContext: false));
    private RPCBase _prebuilt = null!;
    private uint _tag;

    [GlobalSetup]
    public void Setup() => _prebuilt = RpcMessages.Request(1, SampleMessages.VirtualChannelOpen, _request);

    /// <summary>The envelope alone: the protobuf message, its payload ByteString and the payload bytes.</summary>
    [Benchmark(Baseline = true)]
    public RPCBase BuildRequest() => RpcMessages.Request(++_tag, SampleMessages.VirtualChannelOpen, _request);

    /// <summary>
    /// Envelope and frame into an ArrayBufferWriter reset each op, as IcpConnection's combining
    /// writer queues frames (its buffer is reset once written to the socket).
    /// </summary>
    [Benchmark]
    public int BuildAndWrite_ArrayBufferWriter()
    {
        _buffer.ResetWrittenCount();
        IcpFrameCodec.WriteFrame(_buffer, RpcMessages.Request(++_tag, SampleMessages.VirtualChannelOpen, _request));
        return _buffer.WrittenCount;
    }

    /// <summary>
    /// Envelope and frame into the PipeWriter of a reused Pipe, flushed and drained each op (the
    /// codec's other kind of target; LoopbackRds writes this way): the pipe's segments are
    /// recycled, so framing adds nothing here either.
    /// </summary>
    [Benchmark]
    public long BuildAndWrite_Pipe()
    {
        IcpFrameCodec.WriteFrame(_pipe.Writer, RpcMessages.Request(++_tag, SampleMessages.VirtualChannelOpen, _request));
        return FlushAndDrain();
    }

    /// <summary>Framing alone, of an envelope built once: no allocation at all.</summary>
    [Benchmark]
    public int WritePrebuilt_ArrayBufferWriter()
    {
        _buffer.ResetWrittenCount();
        IcpFrameCodec.WriteFrame(_buffer, _prebuilt);
        return _buffer.WrittenCount;
    }

    /// <summary>
    /// The payload ByteString as <see cref="RpcMessages"/> used to make it
    /// (<c>IMessage.ToByteString</c>): the bytes, the ByteString, and a CodedOutputStream that
    /// lives only during the call. Kept as the "before" of the next row.
    /// </summary>
    [Benchmark]
    public ByteString PayloadOnly_ToByteString() => _request.ToByteString();

    /// <summary>
    /// The same ByteString as <see cref="RpcMessages"/> makes it now (a copy of its private
    /// <c>Serialize</c>): serialize into an exactly sized array through the span overload, then
    /// wrap it, with no transient CodedOutputStream.
    /// </summary>
    [Benchmark]
    public ByteString PayloadOnly_WriteToSpanAndWrap()
    {
        byte[] bytes = new byte[_request.CalculateSize()];
        _request.WriteTo(bytes);
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    private long FlushAndDrain()
    {
        var flush = _pipe.Writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the pipe should never be full here");
        }

        if (!_pipe.Reader.TryRead(out var result))
        {
            throw new InvalidOperationException("the frame should be readable");
        }

        long length = result.Buffer.Length;
        _pipe.Reader.AdvanceTo(result.Buffer.End);
        return length;
    }
}
