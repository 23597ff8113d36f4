using System.Runtime.InteropServices;

namespace SessionManager.Control.Native;

internal static partial class ControlNative
{
    public const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getpgid", SetLastError = true)]
    public static partial int GetPgid(int pid);

    // struct group: char* gr_name, char* gr_passwd, gid_t gr_gid, char** gr_mem.
    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public nint Name;
        public nint Password;
        public uint Gid;
        public nint Members;
    }

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int GetGrNam(string name, Group* grp, byte* buffer, nuint length, Group** result);

    /// <summary>The gid of a group name through NSS; null if there is no such group.</summary>
    public static unsafe uint? GidOf(string group)
    {
        Group grp;
        Group* result;
        byte* buffer = stackalloc byte[16384];
        return GetGrNam(group, &grp, buffer, 16384, &result) == 0 && result != null ? grp.Gid : null;
    }

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
