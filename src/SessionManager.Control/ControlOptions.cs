using SessionManager.Control.Protocol;

namespace SessionManager.Control;

public sealed class ControlOptions
{
    public const string SectionName = "Control";

    /// <summary>
    /// smctl's socket. Its directory is root's and 0755 (created so if missing, refused if anyone
    /// else could swap files in it), the socket 0666: every local user may connect, and what
    /// each may do is decided by the kernel's word on who connected (SO_PEERCRED), never by the
    /// file mode. So it is not in the 0700 <c>Launcher:StateDirectory</c>, which users cannot enter.
    /// </summary>
    public string SocketPath { get; set; } = ControlProtocol.DefaultSocketPath;

    /// <summary>Members (primary or supplementary group of the connecting process) may act on every session, as root; empty: root only.</summary>
    public string AdminGroup { get; set; } = "sessionmanager-admin";
}
