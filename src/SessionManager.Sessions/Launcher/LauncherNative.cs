using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SessionManager.Sessions.Launcher;

/// <summary>The few libc calls the launcher client needs (.NET has no process-group kill).</summary>
internal static partial class LauncherNative
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    // open(2) flags; O_NOFOLLOW and O_DIRECTORY differ between the x86 and the Arm ABIs.
    public const int O_RDONLY = 0x0;
    public const int O_CLOEXEC = 0x80000;
    public static readonly int O_NOFOLLOW = IsArm ? 0x8000 : 0x20000;
    public static readonly int O_DIRECTORY = IsArm ? 0x4000 : 0x10000;
    public const int ENOENT = 2;
    public const int EEXIST = 17;

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkdir(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    public static uint EffectiveUid => geteuid();

    /// <summary>SIGKILL to a launcher and its process group (it is a group leader: setpgid() at its
    /// start), which takes along what a hung PAM module forked. The backend has its own session.</summary>
    public static void KillProcessGroup(int pid)
    {
        if (pid > 1)
        {
            _ = kill(-pid, SIGKILL);
            _ = kill(pid, SIGKILL);
        }
    }

    /// <summary>A signal to the process group <paramref name="group"/> (a backend's, after its launcher was lost).</summary>
    public static void SignalGroup(int group, int signal)
    {
        if (group > 1)
        {
            _ = kill(-group, signal);
        }
    }

    public static void Terminate(int pid)
    {
        if (pid > 1)
        {
            _ = kill(pid, SIGTERM);
        }
    }

    /// <summary>SO_PEERCRED of a connected Unix socket: (pid, uid).</summary>
    public static (int Pid, uint Uid) PeerCredentials(Socket socket)
    {
        const int SOL_SOCKET = 1, SO_PEERCRED = 17;
        Span<byte> cred = stackalloc byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        int n = socket.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, cred);
        if (n != 12)
        {
            throw new LauncherException("cannot read the launcher's credentials (SO_PEERCRED)");
        }

        return (BitConverter.ToInt32(cred[..4]), BitConverter.ToUInt32(cred[4..8]));
    }
}
