using System.Text;

namespace SessionManager.Fuzz;

/// <summary>Field values a hostile or broken peer would send: boundaries more often than chance gives them.</summary>
public static class RandomValues
{
    private static readonly string[] Strings =
    [
        "", "rdpdr", "cliprdr", "drdynvc", "ssl.certificate", "ssl.key", "tcp.keepalive.params",
        "current.connection", "ogon.forceWeakRdpKey", "HUGO", "root", "nobody", "..", "../../etc/passwd",
        "%s%s%s%n", "\0", "a\0b", "\u00e9\u4e2d\U0001F600", "{SessionId}", "\\\\.\\pipe\\ogon_1_X11",
    ];

    public static uint U32(Random rng) => rng.Next(6) switch
    {
        0 => 0,
        1 => 1,
        2 => uint.MaxValue,
        3 => (uint)rng.Next(1, 64),
        4 => 0x80000000,
        _ => (uint)rng.NextInt64(0, 1L << 32),
    };

    public static int I32(Random rng) => unchecked((int)U32(rng));

    public static bool Bool(Random rng) => rng.Next(2) == 0;

    public static string Text(Random rng) => rng.Next(8) switch
    {
        0 => new string('A', rng.Next(256, 8192)),
        1 => RandomAscii(rng, rng.Next(1, 40)),
        2 => Encoding.UTF8.GetString(ByteMutator.Garbage(rng, 24)), // replacement characters and all
        _ => Strings[rng.Next(Strings.Length)],
    };

    public static byte[] Bytes(Random rng) => rng.Next(3) == 0 ? [] : ByteMutator.Garbage(rng, 64);

    private static string RandomAscii(Random rng, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = (char)rng.Next(0x20, 0x7F);
        }

        return new string(chars);
    }
}
