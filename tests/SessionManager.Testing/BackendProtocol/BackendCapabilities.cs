namespace SessionManager.Testing.BackendProtocol;

/// <summary>
/// backend.proto <c>capabilities</c>, type 8, sent by the RDS at activation. ogon sends
/// version 0 and never sets colorDepth; clientId is the RDS connection id (SESSIONS.md §3.4).
/// </summary>
public sealed record BackendCapabilities(
    uint Version,
    uint DesktopWidth,
    uint DesktopHeight,
    uint ColorDepth,
    uint KeyboardLayout,
    uint KeyboardType,
    uint KeyboardSubType,
    uint ClientId)
{
    /// <summary>What the ogon RDS sends for a client of this size (US layout, IBM enhanced keyboard).</summary>
    public static BackendCapabilities LikeOgon(uint width, uint height, uint connectionId) =>
        new(0, width, height, 0, 0x409, 4, 0, connectionId);

    public byte[] Encode() =>
        UInt32Fields.Encode(Version, DesktopWidth, DesktopHeight, ColorDepth, KeyboardLayout, KeyboardType, KeyboardSubType, ClientId);

    public static BackendCapabilities Decode(ReadOnlySpan<byte> payload)
    {
        var v = UInt32Fields.Decode(payload, 8);
        return new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }
}
