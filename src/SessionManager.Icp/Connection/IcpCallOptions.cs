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

    /// <summary>A heartbeat Ping: its timeout breaks the link.</summary>
    internal bool IsHeartbeat { get; init; }

    /// <summary>For a reply path that only parses and writes a reply (see <see cref="MayCompleteOnReader"/>).</summary>
    public static IcpCallOptions ReplyPath { get; } = new() { MayCompleteOnReader = true };

    /// <summary>A Message box waits for its own timeout (seconds, 0 = none) and a margin for the RDS
    /// server to report it, instead of <see cref="IcpOptions.RequestTimeout"/>.</summary>
    public static TimeSpan MessageBoxWait(uint timeoutSeconds) =>
        timeoutSeconds == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(timeoutSeconds) + MessageBoxMargin;

    /// <summary>Time for the RDS server to close a timed-out box and answer IDTIMEOUT.</summary>
    public static readonly TimeSpan MessageBoxMargin = TimeSpan.FromSeconds(5);
}
