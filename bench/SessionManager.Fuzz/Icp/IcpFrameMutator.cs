using System.Buffers.Binary;
using Google.Protobuf;
using SessionManager.Icp.Protocol;

namespace SessionManager.Fuzz.Icp;

/// <summary>What one mutation did to a frame, for the per-kind counts of the summary.</summary>
public enum IcpMutation
{
    None,
    BodyBytes,
    PayloadBytes,
    Truncated,
    LengthZero,
    LengthHuge,
    LengthBeyondLimit,
    LengthOffBy,
    WrongMsgType,
    GarbageBody,
    OmittedFields,
    DuplicatedFields,
    WrongWireType,
    UnknownFields,
    DeepNesting,
}

/// <summary>
/// Turns a well-formed <see cref="RPCBase"/> into frame bytes (u32 big-endian length + body),
/// broken at one layer: the length header, the envelope's protobuf, the payload's protobuf, or
/// the meaning (a msgType that does not match the payload).
/// </summary>
public static class IcpFrameMutator
{
    public static byte[] Frame(ReadOnlySpan<byte> body) => Frame(body, (uint)body.Length);

    public static byte[] Frame(ReadOnlySpan<byte> body, uint announced)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, announced);
        body.CopyTo(frame.AsSpan(4));
        return frame;
    }

    /// <summary>The frame of <paramref name="message"/>, mutated as <paramref name="mutation"/> says.</summary>
    public static byte[] Mutate(Random rng, RPCBase message, IcpMutation mutation, int maxFrameBytes)
    {
        byte[] body = message.ToByteArray();
        switch (mutation)
        {
            case IcpMutation.None:
                return Frame(body);
            case IcpMutation.BodyBytes:
                return Frame(ByteMutator.Mutate(rng, body));
            case IcpMutation.PayloadBytes:
                var payloadBroken = message.Clone();
                payloadBroken.Payload = ByteString.CopyFrom(ByteMutator.Mutate(rng, message.Payload.Span));
                return Frame(payloadBroken.ToByteArray());
            case IcpMutation.Truncated:
                // The header tells the truth about the whole body, which stops short.
                return Frame(body, (uint)body.Length)[..(4 + rng.Next(body.Length + 1))];
            case IcpMutation.LengthZero:
                return Frame(body, 0);
            case IcpMutation.LengthHuge:
                return Frame(body, rng.Next(2) == 0 ? uint.MaxValue : 0x80000000u + (uint)rng.Next());
            case IcpMutation.LengthBeyondLimit:
                return Frame(body, (uint)maxFrameBytes + (uint)rng.Next(1, 4096));
            case IcpMutation.LengthOffBy:
                long off = body.Length + (rng.Next(2) == 0 ? -rng.Next(1, 9) : rng.Next(1, 9));
                return Frame(body, (uint)Math.Max(0, off));
            case IcpMutation.WrongMsgType:
                var retyped = message.Clone();
                retyped.MsgType = rng.Next(3) switch
                {
                    0 => (uint)rng.NextInt64(0, 1L << 32),
                    1 => IcpMessageFactory.OtherTypes[rng.Next(IcpMessageFactory.OtherTypes.Length)],
                    _ => (uint)rng.Next(21, 200),
                };
                return Frame(retyped.ToByteArray());
            case IcpMutation.GarbageBody:
                return Frame(ByteMutator.Garbage(rng, 256));
            case IcpMutation.OmittedFields:
                return Frame(OmitFields(rng, message).ToByteArray());
            case IcpMutation.DuplicatedFields:
                // Concatenated messages merge in protobuf: the second tag/msgType/payload wins.
                var other = message.Clone();
                other.Tag = RandomValues.U32(rng);
                other.IsResponse = !message.IsResponse;
                return Frame([.. body, .. other.ToByteArray()]);
            case IcpMutation.WrongWireType:
                return Frame([.. body, .. WrongWireType(rng)]);
            case IcpMutation.UnknownFields:
                return Frame([.. body, .. UnknownFields(rng)]);
            case IcpMutation.DeepNesting:
                return Frame([.. body, .. DeepGroups(rng.Next(50, 400))]);
            default:
                throw new ArgumentOutOfRangeException(nameof(mutation));
        }
    }

    private static RPCBase OmitFields(Random rng, RPCBase message)
    {
        var omitted = message.Clone();
        if (rng.Next(2) == 0) { omitted.ClearTag(); }
        if (rng.Next(2) == 0) { omitted.ClearIsResponse(); }
        if (rng.Next(2) == 0) { omitted.ClearStatus(); }
        if (rng.Next(2) == 0) { omitted.ClearMsgType(); }
        if (rng.Next(2) == 0) { omitted.ClearPayload(); }
        return omitted;
    }

    // A known field number with the wrong wire type: tag as length-delimited, payload as varint, ...
    private static byte[] WrongWireType(Random rng)
    {
        int field = rng.Next(1, 8);
        int wireType = rng.Next(6);
        byte key = (byte)((field << 3) | wireType);
        return wireType switch
        {
            0 => [key, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
            1 => [key, 1, 2, 3, 4, 5, 6, 7, 8],
            2 => [key, 3, 0x08, 0x01, 0x10],
            5 => [key, 1, 2, 3, 4],
            _ => [key], // a group start/end without its match
        };
    }

    private static byte[] UnknownFields(Random rng)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        for (int i = rng.Next(1, 6); i > 0; i--)
        {
            int field = rng.Next(8, 100000);
            switch (rng.Next(3))
            {
                case 0:
                    output.WriteTag(field, WireFormat.WireType.Varint);
                    output.WriteUInt64((ulong)rng.NextInt64());
                    break;
                case 1:
                    output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(ByteString.CopyFrom(ByteMutator.Garbage(rng, 64)));
                    break;
                default:
                    output.WriteTag(field, WireFormat.WireType.Fixed32);
                    output.WriteFixed32((uint)rng.Next());
                    break;
            }
        }

        output.Flush();
        return stream.ToArray();
    }

    // Start-group tags of an unknown field, nested: a parser that recursed without a limit would
    // run out of stack here.
    private static byte[] DeepGroups(int depth)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < depth; i++)
        {
            bytes.AddRange(GroupKey(99, 3));
        }

        for (int i = 0; i < depth; i++)
        {
            bytes.AddRange(GroupKey(99, 4));
        }

        return [.. bytes];
    }

    private static byte[] GroupKey(int field, int wireType)
    {
        uint key = (uint)(field << 3 | wireType);
        return key < 0x80 ? [(byte)key] : [(byte)(key & 0x7F | 0x80), (byte)(key >> 7)];
    }
}
