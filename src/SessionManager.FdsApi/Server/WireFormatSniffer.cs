namespace SessionManager.FdsApi.Server;

/// <summary>
/// Tells a client's transport and protocol from its first bytes, so one port serves every
/// combination real clients use (and names the mistake of those it cannot serve).
/// </summary>
public static class WireFormatSniffer
{
    /// <summary>The most bytes <see cref="Sniff"/> ever needs: a frame header plus the protocol's first byte.</summary>
    public const int MaxBytesNeeded = 5;

    private const byte BinaryVersionHigh = 0x80;   // strict TBinaryProtocol: 0x8001xxxx
    private const byte BinaryVersionLow = 0x01;
    private const byte CompactProtocolId = 0x82;
    private const byte TlsHandshakeRecord = 0x16;  // a ClientHello record: 16 03 0x

    public static ClientWireFormat Sniff(ReadOnlySpan<byte> first)
    {
        if (first.IsEmpty)
        {
            return ClientWireFormat.Undecided;
        }

        return first[0] switch
        {
            BinaryVersionHigh => Need(first, 2) ?? (first[1] == BinaryVersionLow ? ClientWireFormat.UnframedBinary : ClientWireFormat.Unknown),
            CompactProtocolId => ClientWireFormat.UnframedCompact,
            TlsHandshakeRecord => Need(first, 2) ?? (first[1] == 0x03 ? ClientWireFormat.Tls : ClientWireFormat.Unknown),

            // A frame length is a big-endian int32; its top byte is 0 below 16 MiB. What follows
            // the 4-byte length says which protocol the frame holds.
            0x00 => Need(first, MaxBytesNeeded) ?? SniffFramed(first[4], first[1..4]),
            _ when IsHttpMethodStart(first[0]) => Need(first, 4) ?? (IsHttpMethod(first[..4]) ? ClientWireFormat.Http : ClientWireFormat.Unknown),
            _ => ClientWireFormat.Unknown,
        };
    }

    private static ClientWireFormat? Need(ReadOnlySpan<byte> first, int count) =>
        first.Length < count ? ClientWireFormat.Undecided : null;

    private static ClientWireFormat SniffFramed(byte protocolByte, ReadOnlySpan<byte> lengthLow) =>
        lengthLow.SequenceEqual("\0\0\0"u8) ? ClientWireFormat.Unknown   // an empty frame is nothing Thrift sends
        : protocolByte switch
        {
            BinaryVersionHigh => ClientWireFormat.FramedBinary,
            CompactProtocolId => ClientWireFormat.FramedCompact,
            _ => ClientWireFormat.Unknown,
        };

    private static bool IsHttpMethodStart(byte b) => b is (byte)'G' or (byte)'P' or (byte)'H' or (byte)'O' or (byte)'D' or (byte)'C';

    private static bool IsHttpMethod(ReadOnlySpan<byte> first4) =>
        first4.SequenceEqual("GET "u8) || first4.SequenceEqual("POST"u8) || first4.SequenceEqual("PUT "u8)
        || first4.SequenceEqual("HEAD"u8) || first4.SequenceEqual("OPTI"u8) || first4.SequenceEqual("DELE"u8)
        || first4.SequenceEqual("PATC"u8) || first4.SequenceEqual("CONN"u8);
}
