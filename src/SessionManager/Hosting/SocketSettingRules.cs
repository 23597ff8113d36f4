using SessionManager.Icp;

namespace SessionManager.Hosting;

/// <summary>The checks on <c>Icp:SocketPath</c> and <c>Icp:SocketMode</c> that need no file system.</summary>
internal static class SocketSettingRules
{
    private const UnixFileMode SpecialBits = UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit;

    public static IEnumerable<string> Problems(IcpOptions options)
    {
        if (Icp.Hosting.SocketPathRules.Problem(options.SocketPath) is { } path)
        {
            yield return path;
        }

        if (ModeProblem(options.SocketMode) is { } mode)
        {
            yield return mode;
        }
    }

    internal static string? ModeProblem(string? text)
    {
        if (!IcpOptions.TryParseSocketMode(text, out var mode))
        {
            return $"Icp:SocketMode: must be an octal file mode such as 0660 (got '{text}')";
        }

        // Whoever can write to the socket can talk to us as the RDS server.
        if ((mode & UnixFileMode.OtherWrite) != 0)
        {
            return $"Icp:SocketMode: {text} lets every local user write to the socket and pose as the RDS server; use 0660 or 0600";
        }

        if ((mode & SpecialBits) != 0)
        {
            return $"Icp:SocketMode: {text} is not a plain permission mode (setuid, setgid and sticky bits mean nothing on a socket); use e.g. 0660";
        }

        return null;
    }
}
