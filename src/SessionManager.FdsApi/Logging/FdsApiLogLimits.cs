using Microsoft.Extensions.Logging;
using SessionManager.Icp.Logging;

namespace SessionManager.FdsApi.Logging;

/// <summary>
/// The rate limits of the fdsapi log lines a peer can trigger at will (one <see cref="LogRateLimiter"/>
/// per event), so that a misconfigured or hostile client cannot flood the journal. One instance
/// for the daemon; what was suppressed is logged as <c>LinesSuppressed</c> (2016).
/// </summary>
public sealed class FdsApiLogLimits : IDisposable
{
    /// <summary>Lines of one event let through per <see cref="Interval"/>: enough to diagnose, too few to flood.</summary>
    public const int LinesPerInterval = 10;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public FdsApiLogLimits(ILogger<FdsApiLogLimits> logger, TimeProvider time)
    {
        void Report(string eventName, int suppressed) =>
            logger.LinesSuppressed(suppressed, eventName, LinesPerInterval, Interval.TotalMilliseconds);

        LogRateLimiter For(string eventName) => new(eventName, LinesPerInterval, Interval, time, Report);

        ClientRefused = For(nameof(FdsApiLog.ClientRefused));
        ConnectionLimitReached = For(nameof(FdsApiLog.ConnectionLimitReached));
        FrameTooLarge = For(nameof(FdsApiLog.FrameTooLarge));
        HalfSentMessage = For(nameof(FdsApiLog.HalfSentMessage));
        ClientFailed = For(nameof(FdsApiLog.ClientFailed));
        CallFailed = For(nameof(FdsApiLog.CallFailed));
        TlsHandshakeFailed = For(nameof(FdsApiLog.TlsHandshakeFailed));
        BufferBudgetExhausted = For(nameof(FdsApiLog.BufferBudgetExhausted));
        UnauthenticatedIdle = For(nameof(FdsApiLog.UnauthenticatedIdle));
    }

    /// <summary>TLS, HTTP or unknown first bytes (2003).</summary>
    public LogRateLimiter ClientRefused { get; }

    /// <summary>Clients closed at once past FdsApi:MaxConnections (2017).</summary>
    public LogRateLimiter ConnectionLimitReached { get; }

    /// <summary>Frame headers announcing more than FdsApi:MaxFrameBytes (2018).</summary>
    public LogRateLimiter FrameTooLarge { get; }

    /// <summary>Messages not completed within FdsApi:FrameTimeout (2019).</summary>
    public LogRateLimiter HalfSentMessage { get; }

    /// <summary>Clients dropped for a protocol error (2006).</summary>
    public LogRateLimiter ClientFailed { get; }

    /// <summary>For the handler: failed calls (2008), which a client can repeat at will while the RDS server is down.</summary>
    public LogRateLimiter CallFailed { get; }

    /// <summary>TLS handshakes that failed or stalled (2025).</summary>
    public LogRateLimiter TlsHandshakeFailed { get; }

    /// <summary>Large messages that found no room in FdsApi:MaxBufferedBytes (2027).</summary>
    public LogRateLimiter BufferBudgetExhausted { get; }

    /// <summary>Tokenless connections closed after FdsApi:UnauthenticatedIdleTimeout (2028).</summary>
    public LogRateLimiter UnauthenticatedIdle { get; }

    public void Dispose()
    {
        ClientRefused.Dispose();
        ConnectionLimitReached.Dispose();
        FrameTooLarge.Dispose();
        HalfSentMessage.Dispose();
        ClientFailed.Dispose();
        CallFailed.Dispose();
        TlsHandshakeFailed.Dispose();
        BufferBudgetExhausted.Dispose();
        UnauthenticatedIdle.Dispose();
    }
}
