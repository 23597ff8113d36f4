namespace SessionManager.Testing.BackendProtocol;

/// <summary>backend.proto <c>framebufferInfos</c>, type 1: the backend's answer to capabilities. Flags 1 = multiseat.</summary>
public sealed record FramebufferInfo(
    uint Version,
    uint Width,
    uint Height,
    uint Scanline,
    uint BitsPerPixel,
    uint BytesPerPixel,
    uint UserId,
    uint Flags)
{
    public byte[] Encode() => UInt32Fields.Encode(Version, Width, Height, Scanline, BitsPerPixel, BytesPerPixel, UserId, Flags);

    public static FramebufferInfo Decode(ReadOnlySpan<byte> payload)
    {
        var v = UInt32Fields.Decode(payload, 8);
        return new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }
}
