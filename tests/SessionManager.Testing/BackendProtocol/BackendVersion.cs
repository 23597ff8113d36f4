using Google.Protobuf;

namespace SessionManager.Testing.BackendProtocol;

/// <summary>
/// backend.proto <c>versionReply {1 major, 2 minor, 3 cookie}</c>: the payload of both VERSION
/// (RDS → backend, cookie = ogonCookie) and VERSION_REPLY (backend → RDS, cookie = backendCookie).
/// A null cookie is left out, which the RDS treats as a mismatch.
/// </summary>
public sealed record BackendVersion(uint Major, uint Minor, string? Cookie)
{
    public byte[] Encode()
    {
        using var memory = new MemoryStream();
        using (var output = new CodedOutputStream(memory, leaveOpen: true))
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteUInt32(Major);
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteUInt32(Minor);
            if (Cookie is not null)
            {
                output.WriteTag(3, WireFormat.WireType.LengthDelimited);
                output.WriteString(Cookie);
            }
        }

        return memory.ToArray();
    }

    /// <exception cref="InvalidProtocolBufferException">malformed protobuf</exception>
    public static BackendVersion Decode(ReadOnlySpan<byte> payload)
    {
        uint major = 0, minor = 0;
        string? cookie = null;
        var input = new CodedInputStream(payload.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    UInt32Fields.RequireVarint(tag);
                    major = input.ReadUInt32();
                    break;
                case 2:
                    UInt32Fields.RequireVarint(tag);
                    minor = input.ReadUInt32();
                    break;
                case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    cookie = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new BackendVersion(major, minor, cookie);
    }
}
