using System.Buffers;
using BenchmarkDotNet.Attributes;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.Benchmarks;

/// <summary>
/// Reading one RDS→SM response frame: <see cref="IcpFrameCodec.TryReadFrame"/> slices the body
/// off the buffer, <see cref="IcpFrameCodec.ParseBody"/> turns it into an envelope. The buffers
/// are built once; each op reads from a fresh copy of the (struct) sequence.
/// </summary>
[MemoryDiagnoser]
public class ReadFrameBenchmarks
{
    private const int MaxFrameBytes = 1024 * 1024;
    private ReadOnlySequence<byte> _singleSegment;
    private ReadOnlySequence<byte> _splitHeader;

    [GlobalSetup]
    public void Setup()
    {
        byte[] frame = SampleMessages.ResponseFrame(tag: 7);
        _singleSegment = new ReadOnlySequence<byte>(frame);

        // The 4-byte length straddles two segments (the codec copies it to the stack), and the
        // body starts in the second.
        _splitHeader = BufferSegment.Split(frame, 2);

        var check = ReadAndParse(_splitHeader);
        if (check.Tag != 7 || !check.IsResponse || check.Payload.IsEmpty)
        {
            throw new InvalidOperationException("the sample frame did not read back");
        }
    }

    [Benchmark(Baseline = true)]
    public RPCBase ReadFrame_SingleSegment() => ReadAndParse(_singleSegment);

    [Benchmark]
    public RPCBase ReadFrame_SplitHeader() => ReadAndParse(_splitHeader);

    /// <summary>Framing alone (no parse): finding the frame costs no allocation.</summary>
    [Benchmark]
    public long TryReadFrameOnly_SplitHeader()
    {
        var buffer = _splitHeader;
        return IcpFrameCodec.TryReadFrame(ref buffer, MaxFrameBytes, out var body) ? body.Length : -1;
    }

    private static RPCBase ReadAndParse(ReadOnlySequence<byte> buffer)
    {
        if (!IcpFrameCodec.TryReadFrame(ref buffer, MaxFrameBytes, out var body))
        {
            throw new InvalidOperationException("incomplete frame");
        }

        return IcpFrameCodec.ParseBody(body);
    }
}
