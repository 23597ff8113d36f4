using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Frames of the control channel (src/launcher/protocol.h): u32 big-endian payload length, one
/// byte of type, then fields, each UTF-8 terminated by NUL.
/// </summary>
internal static class LauncherFrameCodec
{
    public const int MaxPayload = 65536;

    /// <summary>Encodes a frame into a pooled buffer; the caller sends the first
    /// <c>length</c> bytes and then gives it to <see cref="Release"/>, which zeroes it (it may hold a password).</summary>
    public static (byte[] Buffer, int Length) Encode(LauncherMessageType type, IReadOnlyList<string> fields)
    {
        int length = 4 + 1;
        foreach (var f in fields)
        {
            if (f.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("a launcher message field must not contain NUL", nameof(fields));
            }

            length += Encoding.UTF8.GetByteCount(f) + 1;
        }

        if (length - 4 > MaxPayload)
        {
            throw new LauncherException($"launcher message of {length - 4} bytes exceeds the limit of {MaxPayload}");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(length);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)(length - 4));
        buffer[4] = (byte)type;
        int at = 5;
        foreach (var f in fields)
        {
            at += Encoding.UTF8.GetBytes(f, buffer.AsSpan(at));
            buffer[at++] = 0;
        }

        return (buffer, length);
    }

    public static void Release(byte[] buffer, int length)
    {
        CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Splits a payload (type byte and fields); null if it is malformed.</summary>
    public static (LauncherMessageType Type, string[] Fields)? Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 1 || (payload.Length > 1 && payload[^1] != 0))
        {
            return null;
        }

        var type = (LauncherMessageType)payload[0];
        var fields = new List<string>();
        var rest = payload[1..];
        while (!rest.IsEmpty)
        {
            int nul = rest.IndexOf((byte)0);
            fields.Add(Encoding.UTF8.GetString(rest[..nul]));
            rest = rest[(nul + 1)..];
        }

        return (type, fields.ToArray());
    }
}
