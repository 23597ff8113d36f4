using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
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

    /// <summary>
    /// Reads the next frame from <paramref name="socket"/> into a pooled buffer (cleared after
    /// decoding: a frame may carry the PAM environment), so a connection that lives as long as its
    /// session holds no read buffer between frames. Returns the message, or the reason the stream
    /// cannot go on. <paramref name="header"/> is the caller's 4-byte scratch buffer.
    /// </summary>
    public static async ValueTask<((LauncherMessageType Type, string[] Fields)? Message, string? EndReason)> ReadAsync(Socket socket, byte[] header)
    {
        if (!await ReadExactlyAsync(socket, header).ConfigureAwait(false))
        {
            return (null, "the peer closed the connection");
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length is 0 or > MaxPayload)
        {
            return (null, $"frame length {length} out of bounds");
        }

        var payload = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            if (!await ReadExactlyAsync(socket, payload.AsMemory(0, (int)length)).ConfigureAwait(false))
            {
                return (null, "the peer closed the connection inside a frame");
            }

            return Decode(payload.AsSpan(0, (int)length)) is { } message ? (message, null) : (null, "malformed frame");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload, clearArray: true);
        }
    }

    private static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[got..], SocketFlags.None).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            got += n;
        }

        return true;
    }
}
