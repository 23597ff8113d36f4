using System.Buffers.Binary;
using Thrift.Protocol;
using Thrift.Protocol.Entities;

namespace SessionManager.Fuzz.Thrift;

/// <summary>What was done to one Thrift message, for the per-kind counts of the summary.</summary>
public enum ThriftMutation
{
    None,
    Bytes,
    Truncated,
    Garbage,
    WrongFieldTypes,
    HugeStringLength,
    HugeContainerLength,
    DeepNesting,
    UnknownFields,
    MissingStop,
    UnknownMethod,
    OtherMessageType,
    FrameLength,
    WrongFraming,
}

/// <summary>
/// Builds one mutated Thrift message. Structural mutations are written with the protocol's own
/// primitives (so a wrong field type is a well-encoded value of the wrong type, a huge length is a
/// well-encoded length header), byte mutations break the encoding itself, and framing mutations
/// lie in the frame header or leave it out.
/// </summary>
public static class ThriftMessageMutator
{
    private static readonly ThriftMutation[] Mutations = Enum.GetValues<ThriftMutation>().Where(m => m != ThriftMutation.None).ToArray();

    private static readonly TType[] ValueTypes = [TType.Bool, TType.Byte, TType.Double, TType.I16, TType.I32, TType.I64, TType.String, TType.Struct, TType.Map, TType.Set, TType.List];

    public static ThriftMutation RandomMutation(Random rng) => Mutations[rng.Next(Mutations.Length)];

    /// <summary>The message as it goes on the wire for a connection that is <paramref name="framed"/> or not.</summary>
    public static async Task<byte[]> BuildAsync(Random rng, ThriftCallFactory calls, bool compact, bool framed, ThriftMutation mutation, int maxFrameBytes)
    {
        var (method, args) = calls.RandomCall(rng);
        int seqId = RandomValues.I32(rng);
        byte[] message = mutation switch
        {
            ThriftMutation.Garbage => ByteMutator.Garbage(rng, 128),
            ThriftMutation.UnknownMethod => await ThriftCallFactory.SerializeAsync(compact, UnknownName(rng, method), TMessageType.Call, seqId, args),
            ThriftMutation.OtherMessageType => await ThriftCallFactory.SerializeAsync(compact, method, OtherType(rng), seqId, args),
            ThriftMutation.WrongFieldTypes or ThriftMutation.HugeStringLength or ThriftMutation.HugeContainerLength
                or ThriftMutation.DeepNesting or ThriftMutation.UnknownFields or ThriftMutation.MissingStop
                => await CraftAsync(rng, compact, method, seqId, mutation),
            _ => await ThriftCallFactory.SerializeAsync(compact, method, TMessageType.Call, seqId, args),
        };

        if (mutation == ThriftMutation.Bytes)
        {
            message = ByteMutator.Mutate(rng, message);
        }
        else if (mutation == ThriftMutation.Truncated)
        {
            message = message[..rng.Next(message.Length)];
        }

        if (mutation == ThriftMutation.WrongFraming)
        {
            framed = !framed;
        }

        if (!framed)
        {
            return message;
        }

        uint announced = mutation != ThriftMutation.FrameLength ? (uint)message.Length : rng.Next(5) switch
        {
            0 => 0,
            1 => 0x80000000u | (uint)rng.Next(),           // negative as an int32
            2 => (uint)maxFrameBytes + (uint)rng.Next(1, 4096),
            3 => 0x7FFFFFFF,
            _ => (uint)Math.Max(0, message.Length + rng.Next(-8, 9)),
        };
        var frame = new byte[4 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, announced);
        message.CopyTo(frame, 4);
        return frame;
    }

    private static string UnknownName(Random rng, string method) => rng.Next(5) switch
    {
        0 => "",
        1 => method.ToUpperInvariant(),
        2 => method + "\0",
        3 => new string('x', rng.Next(1000, 20000)),
        _ => RandomValues.Text(rng),
    };

    private static TMessageType OtherType(Random rng) => rng.Next(5) switch
    {
        0 => TMessageType.Oneway,
        1 => TMessageType.Exception,
        2 => TMessageType.Reply,
        3 => 0,
        _ => (TMessageType)rng.Next(5, 8), // the three bits of the binary header's type
    };

    /// <summary>A call whose argument struct is wrong in the way <paramref name="mutation"/> names.</summary>
    private static async Task<byte[]> CraftAsync(Random rng, bool compact, string method, int seqId, ThriftMutation mutation)
    {
        var (memory, p) = ThriftCallFactory.MemoryProtocol(compact);
        await p.WriteMessageBeginAsync(new TMessage(method, TMessageType.Call, seqId));
        await p.WriteStructBeginAsync(new TStruct("args"));
        switch (mutation)
        {
            case ThriftMutation.WrongFieldTypes:
                // The methods' argument ids are 1-7; each gets a value of a random type.
                for (short id = 1; id <= 7; id++)
                {
                    var type = ValueTypes[rng.Next(ValueTypes.Length)];
                    await p.WriteFieldBeginAsync(new TField("f", type, id));
                    await WriteValueAsync(rng, p, type, 0);
                    await p.WriteFieldEndAsync();
                }

                break;
            case ThriftMutation.HugeStringLength:
                await p.WriteFieldBeginAsync(new TField("s", TType.String, (short)rng.Next(1, 8)));
                await WriteRawAsync(p, compact ? Varint(0x7FFFFFF0u - (uint)rng.Next(1000)) : BigEndian(rng.Next(2) == 0 ? 0x7FFFFFFF : -rng.Next(1, 100)));
                await WriteRawAsync(p, "abcd"u8.ToArray());
                break;
            case ThriftMutation.HugeContainerLength:
                await p.WriteFieldBeginAsync(new TField("l", TType.List, (short)rng.Next(1, 8)));
                int count = rng.Next(2) == 0 ? int.MaxValue : rng.Next(1 << 20, int.MaxValue);
                if (rng.Next(2) == 0)
                {
                    await p.WriteListBeginAsync(new TList(TType.I64, count));
                }
                else
                {
                    await p.WriteMapBeginAsync(new TMap(TType.String, TType.Struct, count));
                }

                await p.WriteI64Async(1);
                break;
            case ThriftMutation.DeepNesting:
                int depth = rng.Next(65, 2000);
                for (int i = 0; i < depth; i++)
                {
                    await p.WriteFieldBeginAsync(new TField("n", TType.Struct, 99));
                    await p.WriteStructBeginAsync(new TStruct("n"));
                }

                break; // never closed: the reader must give up on depth, not on the stack
            case ThriftMutation.UnknownFields:
                for (int i = rng.Next(1, 10); i > 0; i--)
                {
                    var type = ValueTypes[rng.Next(ValueTypes.Length)];
                    await p.WriteFieldBeginAsync(new TField("u", type, (short)rng.Next(short.MinValue, short.MaxValue)));
                    await WriteValueAsync(rng, p, type, 0);
                    await p.WriteFieldEndAsync();
                }

                break;
            default: // MissingStop: a field, then the message simply ends
                await p.WriteFieldBeginAsync(new TField("i", TType.I32, 2));
                await p.WriteI32Async(RandomValues.I32(rng));
                await p.Transport.FlushAsync(CancellationToken.None);
                return memory.ToArray();
        }

        if (mutation is not ThriftMutation.HugeStringLength and not ThriftMutation.HugeContainerLength)
        {
            await p.WriteFieldStopAsync();
            await p.WriteStructEndAsync();
            await p.WriteMessageEndAsync();
        }

        await p.Transport.FlushAsync(CancellationToken.None);
        return memory.ToArray();
    }

    private static async Task WriteValueAsync(Random rng, TProtocol p, TType type, int depth)
    {
        switch (type)
        {
            case TType.Bool: await p.WriteBoolAsync(RandomValues.Bool(rng)); break;
            case TType.Byte: await p.WriteByteAsync((sbyte)rng.Next(-128, 128)); break;
            case TType.Double: await p.WriteDoubleAsync(rng.NextDouble() * double.MaxValue); break;
            case TType.I16: await p.WriteI16Async((short)rng.Next(short.MinValue, short.MaxValue)); break;
            case TType.I32: await p.WriteI32Async(RandomValues.I32(rng)); break;
            case TType.I64: await p.WriteI64Async(rng.NextInt64(long.MinValue, long.MaxValue)); break;
            case TType.String: await p.WriteStringAsync(RandomValues.Text(rng)); break;
            case TType.Struct:
                await p.WriteStructBeginAsync(new TStruct("s"));
                if (depth < 3)
                {
                    var inner = ValueTypes[rng.Next(ValueTypes.Length)];
                    await p.WriteFieldBeginAsync(new TField("x", inner, (short)rng.Next(1, 5)));
                    await WriteValueAsync(rng, p, inner, depth + 1);
                    await p.WriteFieldEndAsync();
                }

                await p.WriteFieldStopAsync();
                await p.WriteStructEndAsync();
                break;
            case TType.List:
            case TType.Set:
                int n = rng.Next(4);
                if (type == TType.List)
                {
                    await p.WriteListBeginAsync(new TList(TType.I32, n));
                }
                else
                {
                    await p.WriteSetBeginAsync(new TSet(TType.I32, n));
                }

                for (int i = 0; i < n; i++)
                {
                    await p.WriteI32Async(RandomValues.I32(rng));
                }

                break;
            default: // Map
                int m = rng.Next(3);
                await p.WriteMapBeginAsync(new TMap(TType.String, TType.I16, m));
                for (int i = 0; i < m; i++)
                {
                    await p.WriteStringAsync(RandomValues.Text(rng));
                    await p.WriteI16Async(1);
                }

                break;
        }
    }

    private static async Task WriteRawAsync(TProtocol p, byte[] bytes) => await p.Transport.WriteAsync(bytes, CancellationToken.None);

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Varint(uint value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }
}
