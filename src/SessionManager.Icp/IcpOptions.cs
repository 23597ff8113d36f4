using System.ComponentModel.DataAnnotations;

namespace SessionManager.Icp;

/// <summary>Configuration section <c>Icp</c>: the Unix socket the RDS server connects to.</summary>
public sealed class IcpOptions
{
    public const string SectionName = "Icp";

    /// <summary>Where the RDS server looks for us (WinPR's location of the named pipe
    /// <c>\\.\pipe\FreeRDS_SessionManager</c>).</summary>
    [Required]
    public string SocketPath { get; set; } = "/tmp/.pipe/FreeRDS_SessionManager";

    /// <summary>File mode of the socket, octal as in chmod.</summary>
    [RegularExpression("^0?[0-7]{3}$", ErrorMessage = "must be an octal file mode such as 0660")]
    public string SocketMode { get; set; } = "0660";

    /// <summary>How long an SM→RDS call may wait for its answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest frame accepted from the RDS server. The protocol sets no limit; a peer
    /// announcing more is closed before anything is allocated for it.</summary>
    [Range(16, 64 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    internal UnixFileMode ParsedSocketMode => (UnixFileMode)Convert.ToInt32(SocketMode, 8);
}
