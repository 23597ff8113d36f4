using System.Runtime.InteropServices;

namespace SessionManager.Hosting;

/// <summary>
/// The daemon holds RDP passwords in memory for the moment of a logon (LogonUser, AuthenticateUser
/// payloads) before handing them to the launcher: a core file of the daemon could carry one. So
/// it is made non-dumpable at start (no core file, no ptrace by non-root), as the launcher is.
/// </summary>
internal static partial class CoreDumpGuard
{
    private const int PrSetDumpable = 4;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    public static void Apply() => _ = Prctl(PrSetDumpable, 0, 0, 0, 0);
}
