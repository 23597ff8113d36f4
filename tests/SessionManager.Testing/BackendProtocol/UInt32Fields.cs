using Google.Protobuf;

namespace SessionManager.Testing.BackendProtocol;

/// <summary>
/// Hand coding of messages whose fields 1..n are all <c>uint32</c> (capabilities,
/// framebufferInfos): a generated class for three small messages is not worth a proto file in
/// proto/, which the product compiles whole.
/// </summary>
internal static class UInt32Fields
{
    /// <summary>Writes value i as field i+1, every one (proto2 required fields are always sent).</summary>
    public static byte[] Encode(params uint[] values)
    {
        using var memory = new MemoryStream();
        using (var output = new CodedOutputStream(memory, leaveOpen: true))
        {
            for (int i = 0; i < values.Length; i++)
            {
                output.WriteTag(i + 1, WireFormat.WireType.Varint);
                output.WriteUInt32(values[i]);
            }
        }

        return memory.ToArray();
    }

    /// <summary>Fields 1..<paramref name="count"/> (missing ones 0); unknown fields are skipped.</summary>
    /// <exception cref="InvalidProtocolBufferException">malformed protobuf</exception>
    /// <exception cref="InvalidDataException">a field of the wrong wire type</exception>
    public static uint[] Decode(ReadOnlySpan<byte> payload, int count)
    {
        var values = new uint[count];
        var input = new CodedInputStream(payload.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            if (field >= 1 && field <= count)
            {
                RequireVarint(tag);
                values[field - 1] = input.ReadUInt32();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return values;
    }

    public static void RequireVarint(uint tag)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.Varint)
        {
            throw new InvalidDataException($"field {WireFormat.GetTagFieldNumber(tag)} is not a varint");
        }
    }
}
