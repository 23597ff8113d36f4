namespace SessionManager.Fuzz;

/// <summary>
/// Protocol-blind mutations of a byte string: the layer below every structured mutation, and
/// what reaches the parsers when a peer's memory or a network buffer is corrupted.
/// </summary>
public static class ByteMutator
{
    /// <summary>Values that sit on a parser's boundaries (sign bits, varint continuation, 0, all ones).</summary>
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF, 0xFE, 0x0F, 0x10];

    /// <summary>One to a few random mutations of <paramref name="input"/>; never returns the input array.</summary>
    public static byte[] Mutate(Random rng, ReadOnlySpan<byte> input)
    {
        var bytes = new List<byte>(input.ToArray());
        int rounds = rng.Next(4) == 0 ? rng.Next(2, 8) : 1;
        for (int i = 0; i < rounds; i++)
        {
            MutateOnce(rng, bytes);
        }

        return [.. bytes];
    }

    private static void MutateOnce(Random rng, List<byte> bytes)
    {
        int kind = rng.Next(bytes.Count == 0 ? 1 : 8);
        int at = bytes.Count == 0 ? 0 : rng.Next(bytes.Count);
        switch (kind)
        {
            case 0: // insert random bytes
                int count = rng.Next(1, 9);
                for (int i = 0; i < count; i++)
                {
                    bytes.Insert(Math.Min(at, bytes.Count), (byte)rng.Next(256));
                }

                break;
            case 1: // flip one bit
                bytes[at] ^= (byte)(1 << rng.Next(8));
                break;
            case 2: // overwrite with a boundary value
                bytes[at] = InterestingBytes[rng.Next(InterestingBytes.Length)];
                break;
            case 3: // delete a run
                bytes.RemoveRange(at, Math.Min(rng.Next(1, 9), bytes.Count - at));
                break;
            case 4: // truncate
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 5: // duplicate a run in place (repeated fields, repeated headers)
                int length = Math.Min(rng.Next(1, 33), bytes.Count - at);
                bytes.InsertRange(at, bytes.GetRange(at, length));
                break;
            case 6: // overwrite with a random byte
                bytes[at] = (byte)rng.Next(256);
                break;
            default: // swap two bytes
                int other = rng.Next(bytes.Count);
                (bytes[at], bytes[other]) = (bytes[other], bytes[at]);
                break;
        }
    }

    /// <summary>Random bytes, for "garbage" bodies.</summary>
    public static byte[] Garbage(Random rng, int maxLength)
    {
        var bytes = new byte[rng.Next(maxLength + 1)];
        rng.NextBytes(bytes);
        return bytes;
    }
}
