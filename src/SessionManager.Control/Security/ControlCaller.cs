using System.Net.Sockets;
using System.Runtime.InteropServices;
using SessionManager.Icp.Connection;

namespace SessionManager.Control.Security;

/// <summary>
/// Who sent a request, as the kernel reports it at connect time: uid and pid (SO_PEERCRED) and
/// every group of the connecting process (SO_PEERGROUPS, Linux 4.13+), so membership of the
/// admin group is the process's real credentials, not /etc/group's opinion or a /proc read
/// that a pid reuse could fool.
/// </summary>
internal sealed record ControlCaller(PeerCredentials Peer, IReadOnlyList<uint> Groups, bool IsAdmin)
{
    private const int SolSocket = 1;
    private const int SoPeerGroups = 59;

    public uint Uid => Peer.Uid;

    public int Pid => Peer.Pid;

    public static ControlCaller Of(Socket socket, uint? adminGid)
    {
        var peer = PeerCredentials.Of(socket);
        var groups = PeerGroups(socket);
        bool admin = peer.Uid == 0
            || (adminGid is { } gid && peer.Pid >= 0 && (peer.Gid == gid || groups.Contains(gid)));
        return new ControlCaller(peer, groups, admin);
    }

    private static uint[] PeerGroups(Socket socket)
    {
        // Most processes have a handful of groups; NGROUPS_MAX (65536) only if the first try is too small.
        foreach (int count in (int[])[256, 65536])
        {
            byte[] buffer = new byte[count * sizeof(uint)];
            try
            {
                int bytes = socket.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
                return MemoryMarshal.Cast<byte, uint>(buffer.AsSpan(0, bytes)).ToArray();
            }
            catch (SocketException)
            {
                // ERANGE: too small, try the largest; anything else: no groups known (not admin by group).
            }
        }

        return [];
    }
}
