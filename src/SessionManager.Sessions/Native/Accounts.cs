using System.Runtime.InteropServices;

namespace SessionManager.Sessions.Native;

/// <summary>Account look-ups through NSS (getpwnam_r), for fixed backend accounts such as nobody.</summary>
internal static partial class Accounts
{
    // struct passwd on Linux: char* pw_name, char* pw_passwd, uid_t pw_uid, gid_t pw_gid, char* pw_gecos, char* pw_dir, char* pw_shell.
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Dir;
        public nint Shell;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int GetPwNam(string name, Passwd* pwd, byte* buffer, nuint length, Passwd** result);

    public static unsafe uint? UidOf(string account)
    {
        Passwd pwd;
        Passwd* result;
        byte* buffer = stackalloc byte[4096];
        return GetPwNam(account, &pwd, buffer, 4096, &result) == 0 && result != null ? pwd.Uid : null;
    }

    // struct group: char* gr_name, char* gr_passwd, gid_t gr_gid, char** gr_mem.
    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public nint Name;
        public nint Password;
        public uint Gid;
        public nint Members;
    }

    [LibraryImport("libc", EntryPoint = "getgrgid_r")]
    private static unsafe partial int GetGrGid(uint gid, Group* grp, byte* buffer, nuint length, Group** result);

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int GetGrNam(string name, Group* grp, byte* buffer, nuint length, Group** result);

    /// <summary>The gid of a group name through NSS (smctl's Control:AdminGroup); null if there is no such group.</summary>
    public static unsafe uint? GidOf(string group)
    {
        Group grp;
        Group* result;
        byte* buffer = stackalloc byte[16384];
        return GetGrNam(group, &grp, buffer, 16384, &result) == 0 && result != null ? grp.Gid : null;
    }

    /// <summary>A group's name (policies are configured per group name); null if it has none.</summary>
    public static unsafe string? GroupName(uint gid)
    {
        Group grp;
        Group* result;
        byte* buffer = stackalloc byte[16384];
        return GetGrGid(gid, &grp, buffer, 16384, &result) == 0 && result != null ? Marshal.PtrToStringUTF8(grp.Name) : null;
    }
}
