using System.Buffers;
using Google.Protobuf;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.UnitTests.Support;

/// <summary>Byte helpers: hex literals, whole frames, and multi-segment sequences.</summary>
public static class Bytes
{
    /// <summary>"00 00 00 1c 80" → bytes; spaces are ignored.</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    public static byte[] Serialize(IMessage message) => message.ToByteArray();

    /// <summary>One whole ICP frame (header and body) as the codec writes it.</summary>
    public static byte[] Frame(RPCBase message)
    {
        var writer = new ArrayBufferWriter<byte>();
        IcpFrameCodec.WriteFrame(writer, message);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A sequence of several segments, cut at the given offsets (e.g. 1 and 3 split a frame
    /// header over three segments), the way a socket read can hand it over.
    /// </summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().Append(bytes.Length).ToArray();
        var first = new Segment(bytes.AsMemory(0, bounds[0]));
        var last = first;
        for (int i = 1; i < bounds.Length; i++)
        {
            last = last.Append(bytes.AsMemory(bounds[i - 1], bounds[i] - bounds[i - 1]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
