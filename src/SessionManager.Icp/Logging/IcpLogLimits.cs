using Microsoft.Extensions.Logging;

namespace SessionManager.Icp.Logging;

/// <summary>
/// The rate limits of the ICP log lines a local peer can trigger at will (unknown tags, request
/// types we have no handler for, unreadable requests, refused connections), so that it cannot flood the journal.
/// One instance for the daemon; what was suppressed is logged as <c>IcpLinesSuppressed</c> (1029).
/// </summary>
public sealed partial class IcpLogLimits : IDisposable
{
    public const int LinesPerInterval = 10;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public IcpLogLimits(ILogger<IcpLogLimits> logger, TimeProvider time)
    {
        void Report(string eventName, int suppressed) => LogSuppressed(logger, suppressed, eventName, LinesPerInterval, Interval.TotalMilliseconds);
        LogRateLimiter For(string eventName) => new(eventName, LinesPerInterval, Interval, time, Report);

        UnknownTagResponse = For(nameof(IcpLog.UnknownTagResponse));
        NoHandler = For(nameof(IcpLog.NoHandler));
        UnreadableRequest = For(nameof(IcpLog.UnreadableRequest));
        ConnectionRefused = For("ConnectionRefused");
        PendingCallRefused = For(nameof(IcpLog.PendingCallRefused));
        HeartbeatNotSent = For(nameof(IcpLog.HeartbeatNotSent));
    }

    /// <summary>No limits (tests that build a connection by hand).</summary>
    public static IcpLogLimits None { get; } = new(Microsoft.Extensions.Logging.Abstractions.NullLogger<IcpLogLimits>.Instance, TimeProvider.System);

    /// <summary>Responses whose tag matches no call (1010).</summary>
    public LogRateLimiter UnknownTagResponse { get; }

    /// <summary>Requests of a type without a handler, answered NOTFOUND (1011).</summary>
    public LogRateLimiter NoHandler { get; }

    /// <summary>Requests whose payload does not parse, answered FAILED (1030).</summary>
    public LogRateLimiter UnreadableRequest { get; }

    /// <summary>Second connections and uids not allowed (1004, 1022).</summary>
    public LogRateLimiter ConnectionRefused { get; }

    /// <summary>SM→RDS calls refused by a pending-call limit, which a user can ask for at will (1031).</summary>
    public LogRateLimiter PendingCallRefused { get; }

    /// <summary>Heartbeat Pings that could not be sent; the tick retries every few ms (1032).</summary>
    public LogRateLimiter HeartbeatNotSent { get; }

    public void Dispose()
    {
        UnknownTagResponse.Dispose();
        NoHandler.Dispose();
        UnreadableRequest.Dispose();
        ConnectionRefused.Dispose();
        PendingCallRefused.Dispose();
        HeartbeatNotSent.Dispose();
    }

    [LoggerMessage(EventId = 1029, EventName = "IcpLinesSuppressed", Level = LogLevel.Warning, Message = "Suppressed {Suppressed} more {EventName} lines (at most {LinesPerInterval} per {IntervalMs} ms)")]
    private static partial void LogSuppressed(ILogger logger, int suppressed, string eventName, int linesPerInterval, double intervalMs);
}
