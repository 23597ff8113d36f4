namespace SessionManager.Icp;

/// <summary>Configuration section <c>Icp</c>: the Unix socket the RDS server connects to.</summary>
public sealed class IcpOptions
{
    public const string SectionName = "Icp";

    /// <summary>Where the RDS server looks for us (WinPR's location of the named pipe
    /// <c>\\.\pipe\FreeRDS_SessionManager</c>).</summary>
    public string SocketPath { get; set; } = "/tmp/.pipe/FreeRDS_SessionManager";

    /// <summary>File mode of the socket, octal as in chmod.</summary>
    public string SocketMode { get; set; } = "0660";

    /// <summary>How long an SM→RDS call may wait for its answer.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest frame accepted from the RDS server. The protocol sets no limit; a peer
    /// announcing more is closed before anything is allocated for it.</summary>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    internal UnixFileMode ParsedSocketMode => TryParseSocketMode(SocketMode, out var mode) ? mode : (UnixFileMode)0b110_110_000;

    public static bool TryParseSocketMode(string? text, out UnixFileMode mode)
    {
        mode = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 4 || text.Any(c => c is < '0' or > '7'))
        {
            return false;
        }

        mode = (UnixFileMode)Convert.ToInt32(text, 8);
        return true;
    }
}
