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

    /// <summary>How long an SM→RDS call may wait for its answer (a Message box waits for its own timeout instead).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest frame accepted from the RDS server, and sent to it. The protocol sets no
    /// limit; a peer announcing more is closed before anything is allocated for it, and a call
    /// whose frame would be larger fails alone.</summary>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>SM→RDS calls awaiting their answer at once; past it a call fails at once (the
    /// heartbeat's Ping excepted).</summary>
    public int MaxPendingCalls { get; set; } = 4096;

    /// <summary>
    /// Calls made for one session (through the fdsapi) awaiting their answer at once; less than
    /// <see cref="MaxPendingCalls"/>, so that no session's user can fill the table for the others.
    /// A session's apps open a handful of channels and show a few boxes at a time: 32 leaves room.
    /// </summary>
    public int MaxPendingCallsPerSession { get; set; } = 32;

    /// <summary>
    /// Calls made with one fdsapi token awaiting their answer at once (when tokens are checked):
    /// bounds a token allowed on many sessions, e.g. an administrator's broadcast of message boxes
    /// without wait, to a quarter of the default table.
    /// </summary>
    public int MaxPendingCallsPerToken { get; set; } = 1024;

    /// <summary>
    /// The longest a Message box may hold its call (and is shown: a box without a timeout, or a
    /// longer one, is sent with this). Long enough for a user away from the screen for a while to
    /// answer a question; short enough that boxes nobody answers do not pile up.
    /// </summary>
    public TimeSpan MessageBoxMaxWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>RDS→SM requests handled at once; past it the connection stops reading until one finishes.</summary>
    public int MaxConcurrentRequests { get; set; } = 256;

    /// <summary>A Ping is sent when nothing has arrived from the RDS server for this long.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the RDS server may take to answer a Ping before the link is given up.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Uids (SO_PEERCRED) allowed to connect as the RDS server; null means the default, root
    /// only; an empty list allows everyone.</summary>
    public List<uint>? AllowedUids { get; set; }

    /// <summary>The uids that may connect; empty: anyone.</summary>
    public IReadOnlyList<uint> EffectiveAllowedUids => (IReadOnlyList<uint>?)AllowedUids ?? DefaultAllowedUids;

    private static readonly uint[] DefaultAllowedUids = [0];

    /// <summary>
    /// The binder cannot tell an empty list from an absent one (an empty JSON array binds to
    /// nothing); the key present with no items — <c>"AllowedUids": []</c>, or <c>""</c> or
    /// <c>"*"</c> — means "anyone".
    /// </summary>
    internal void ApplyEmptyAllowedUids(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var section = configuration.GetSection($"{SectionName}:{nameof(AllowedUids)}");
        if (section.Value is "" or "*" && !section.GetChildren().Any())
        {
            AllowedUids = [];
        }
    }

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
