using System.Globalization;
using SessionManager.Icp.Hosting.Native;

namespace SessionManager.Hosting;

/// <summary>
/// Whether stdout goes to journald. systemd sets <c>JOURNAL_STREAM=&lt;dev&gt;:&lt;inode&gt;</c> for a
/// service whose output it connects to the journal; the variable is inherited by children whose
/// stdout may lead elsewhere (a pipe, a file), so it counts only if it names our stdout.
/// </summary>
internal static class JournalStream
{
    public static bool IsStandardOutput() =>
        Names(Environment.GetEnvironmentVariable("JOURNAL_STREAM"), FileStatus.OfDescriptor(1));

    internal static bool Names(string? journalStream, FileStatus? stdout)
    {
        if (journalStream is null || stdout is not { } status)
        {
            return false;
        }

        var parts = journalStream.Split(':');
        return parts.Length == 2
            && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong device)
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
            && device == status.Device
            && inode == status.Inode;
    }
}
