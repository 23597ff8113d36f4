using System.Runtime.InteropServices;

namespace SessionManager.Control.Native;

internal static partial class ControlNative
{
    public const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getpgid", SetLastError = true)]
    public static partial int GetPgid(int pid);

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
