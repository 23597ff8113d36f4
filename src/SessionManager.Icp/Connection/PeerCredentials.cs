using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SessionManager.Icp.Connection;

/// <summary>Who is at the other end of a Unix socket, as the kernel reports it (SO_PEERCRED).</summary>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public static PeerCredentials Unknown => new(-1, uint.MaxValue, uint.MaxValue);

    public static PeerCredentials Of(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } on Linux.
        Span<byte> ucred = stackalloc byte[12];
        try
        {
            return socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) == ucred.Length
                ? new PeerCredentials(
                    MemoryMarshal.Read<int>(ucred),
                    MemoryMarshal.Read<uint>(ucred[4..]),
                    MemoryMarshal.Read<uint>(ucred[8..]))
                : Unknown;
        }
        catch (SocketException)
        {
            return Unknown;
        }
    }

    public override string ToString() => Pid < 0 ? "pid ? uid ?" : $"pid {Pid} uid {Uid}";
}
