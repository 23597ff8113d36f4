namespace SessionManager.Icp.Connection;

/// <summary>How one SM→RDS call is run. The default: <see cref="IcpOptions.RequestTimeout"/>, answer on the thread pool.</summary>
public readonly record struct IcpCallOptions
{
    /// <summary>How long to wait for the answer; null: <see cref="IcpOptions.RequestTimeout"/>;
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: until the link ends.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// The caller's continuation may run on the ICP reader when nothing more is buffered to read;
    /// an answer with more behind it runs on one thread-pool worker together with the other such
    /// answers of the same read. Only for the daemon's own bounded reply path (parse the answer,
    /// serialize a reply, a non-blocking socket write): it saves a thread hand-off per call, and
    /// anything slower would stall every frame behind it. See <see cref="IcpConnection"/>'s read loop.
    /// </summary>
    public bool MayCompleteOnReader { get; init; }

    /// <summary>A heartbeat Ping: its timeout breaks the link, and no limit of the pending-call table
    /// refuses it (a full table is exactly when the link's liveness must still be checked).</summary>
    internal bool IsHeartbeat { get; init; }

    /// <summary>The session (and token) the call is made for, bounded per session and per token;
    /// null: the daemon's own call, bounded only by <see cref="IcpOptions.MaxPendingCalls"/>.</summary>
    public IcpCaller? Caller { get; init; }

    /// <summary>For a reply path that only parses and writes a reply (see <see cref="MayCompleteOnReader"/>).</summary>
    public static IcpCallOptions ReplyPath { get; } = new() { MayCompleteOnReader = true };

    /// <summary>A Message box waits for its own timeout (seconds, 0 = none) and a margin for the RDS
    /// server to report it, instead of <see cref="IcpOptions.RequestTimeout"/>. The connection holds
    /// no box's call longer than <see cref="IcpOptions.MessageBoxMaxWait"/> and the margin, whatever this says.</summary>
    public static TimeSpan MessageBoxWait(uint timeoutSeconds) =>
        timeoutSeconds == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(timeoutSeconds) + MessageBoxMargin;

    /// <summary>
    /// The timeout a box is shown with: the caller's, at most <paramref name="ceiling"/>; 0 (no
    /// timeout) becomes the ceiling. Sent to the RDS server so that the box itself closes (and is
    /// answered IDTIMEOUT) when the connection stops waiting for it, rather than staying on screen
    /// with nobody waiting for its answer.
    /// </summary>
    public static uint BoundedMessageBoxTimeout(uint timeoutSeconds, TimeSpan ceiling)
    {
        uint most = (uint)Math.Clamp(Math.Floor(ceiling.TotalSeconds), 1, uint.MaxValue);
        return timeoutSeconds == 0 || timeoutSeconds > most ? most : timeoutSeconds;
    }

    /// <summary>Time for the RDS server to close a timed-out box and answer IDTIMEOUT.</summary>
    public static readonly TimeSpan MessageBoxMargin = TimeSpan.FromSeconds(5);
}
