namespace SessionManager.Testing.BackendProtocol;

/// <summary>
/// WinPR's named pipes on Unix: <c>\\.\pipe\&lt;name&gt;</c> is the stream socket
/// <c>&lt;TEMP&gt;/.pipe/&lt;name&gt;</c>, TEMP being /tmp (SESSIONS.md §2.3). The RDS gets the
/// pipe name in LogonUser's serviceEndpoint; the backend listens on the path.
/// </summary>
public static class WinPrPipeName
{
    public const string Prefix = @"\\.\pipe\";

    /// <summary>Where WinPR puts pipe sockets; the daemon's <c>Pipes:Directory</c> default.</summary>
    public const string DefaultDirectory = "/tmp/.pipe";

    /// <summary>ogon's endpoint names: <c>ogon_&lt;id&gt;_&lt;endpoint&gt;</c>, e.g. ogon_10_X11.</summary>
    public static string Ogon(uint id, string endpoint) =>
        Prefix + "ogon_" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "_" + endpoint;

    /// <summary><c>\\.\pipe\ogon_10_X11</c> → <c>/tmp/.pipe/ogon_10_X11</c>.</summary>
    /// <exception cref="ArgumentException">not a pipe name, or a name WinPR would not map to one file in the directory</exception>
    public static string ToPath(string pipeName, string directory = DefaultDirectory)
    {
        ArgumentNullException.ThrowIfNull(pipeName);
        // WinPR compares the prefix case-sensitively (strncmp).
        if (!pipeName.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{pipeName}' is not a WinPR pipe name (it must start with {Prefix})", nameof(pipeName));
        }

        var name = pipeName[Prefix.Length..];
        CheckName(name, pipeName);
        return Path.Combine(directory, name);
    }

    /// <summary><c>/tmp/.pipe/ogon_10_X11</c> → <c>\\.\pipe\ogon_10_X11</c>.</summary>
    /// <exception cref="ArgumentException">the path is not a file directly in <paramref name="directory"/></exception>
    public static string FromPath(string path, string directory = DefaultDirectory)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parent = Path.GetDirectoryName(path);
        if (parent is null || Path.TrimEndingDirectorySeparator(parent) != Path.TrimEndingDirectorySeparator(directory))
        {
            throw new ArgumentException($"'{path}' is not in the pipe directory {directory}", nameof(path));
        }

        var name = Path.GetFileName(path);
        CheckName(name, path);
        return Prefix + name;
    }

    // A '/' would put the socket in another directory; the mapping would no longer be one-to-one.
    private static void CheckName(string name, string original)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"'{original}' has no usable pipe name", nameof(original));
        }
    }
}
