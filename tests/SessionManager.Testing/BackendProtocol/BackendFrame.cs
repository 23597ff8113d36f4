using System.Buffers.Binary;

namespace SessionManager.Testing.BackendProtocol;

/// <summary>
/// One backend-protocol frame: <c>uint16 type</c>, <c>uint32 length</c>, both little-endian
/// (WinPR's Stream_Write_UINT16/32), then <c>length</c> bytes of protobuf. SESSIONS.md §3.4.
/// </summary>
public sealed record BackendFrame(ushort Type, ReadOnlyMemory<byte> Payload)
{
    public const int HeaderSize = 6;

    /// <summary>The largest payload a reader accepts; backend messages are far smaller.</summary>
    public const int MaxPayload = 1 << 20;

    /// <summary>Header and payload, ready to write.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[HeaderSize + Payload.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, Type);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(2), (uint)Payload.Length);
        Payload.Span.CopyTo(bytes.AsSpan(HeaderSize));
        return bytes;
    }

    /// <summary>CAPABILITIES then KEYBOARD_SYNC, what the RDS sends after VERSION at activation.</summary>
    public static BackendFrame[] Capabilities(BackendActivation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return
        [
            new(BackendMessageTypes.Capabilities, BackendCapabilities.LikeOgon(activation.Width, activation.Height, activation.ConnectionId).Encode()),
            new(BackendMessageTypes.KeyboardSync, UInt32Fields.Encode(0, activation.ConnectionId)),
        ];
    }

    /// <summary>Reads a header; the length is checked against <see cref="MaxPayload"/> before anything is buffered.</summary>
    /// <exception cref="InvalidDataException">the length is over the limit</exception>
    public static (ushort Type, int Length) ReadHeader(ReadOnlySpan<byte> header)
    {
        var type = BinaryPrimitives.ReadUInt16LittleEndian(header);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header[2..]);
        if (length > MaxPayload)
        {
            throw new InvalidDataException($"backend frame type {type} announces {length} bytes (limit {MaxPayload})");
        }

        return (type, (int)length);
    }
}
