using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Framing;

/// <summary>
/// ICP framing: a 4-byte big-endian length, then exactly that many bytes of one serialized
/// <see cref="RPCBase"/>. Pure functions over buffers so they can be tested without sockets.
/// </summary>
public static class IcpFrameCodec
{
    public const int HeaderSize = 4;

    /// <summary>
    /// Slices one whole frame body off the front of <paramref name="buffer"/>. Returns false when
    /// the frame is not complete yet (nothing consumed). The length is checked as soon as the
    /// header is readable, so a hostile length never makes us buffer its body.
    /// </summary>
    /// <exception cref="Errors.IcpProtocolException">the announced length exceeds <paramref name="maxFrameBytes"/>.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out ReadOnlySequence<byte> body)
    {
        body = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        uint length = ReadLength(buffer);
        if (length > (uint)maxFrameBytes)
        {
            throw new Errors.IcpProtocolException(Errors.IcpProtocolError.FrameTooLarge,
                $"frame of {length} bytes announced, limit is {maxFrameBytes}", length);
        }

        if (buffer.Length - HeaderSize < length)
        {
            return false;
        }

        body = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(body.End);
        return true;
    }

    /// <summary>
    /// Parses a frame body; any protobuf error means the stream cannot be trusted. Lenient about
    /// missing required fields (they take their defaults), as <see cref="ProtoReader"/> explains.
    /// </summary>
    public static RPCBase ParseBody(in ReadOnlySequence<byte> body)
    {
        try
        {
            var message = new RPCBase();
            message.MergeFrom(body);
            return message;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new Errors.IcpProtocolException(Errors.IcpProtocolError.MalformedFrame,
                $"frame of {body.Length} bytes is not an RPCBase: {ex.Message}", (uint)body.Length, ex);
        }
    }

    /// <summary>Writes header and body straight into the writer's buffer: no intermediate array.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, RPCBase message) => WriteFrame(writer, message, message.CalculateSize());

    /// <summary>As above, with the body size already calculated (<c>message.CalculateSize()</c>).</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, RPCBase message, int size)
    {
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(HeaderSize), (uint)size);
        writer.Advance(HeaderSize);
        message.WriteTo(writer);
    }

    private static uint ReadLength(in ReadOnlySequence<byte> buffer)
    {
        var first = buffer.FirstSpan;
        if (first.Length >= HeaderSize)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(first);
        }

        // The header straddles segments: copy its four bytes out.
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        return BinaryPrimitives.ReadUInt32BigEndian(header);
    }
}
