namespace SessionManager.Icp.Logging;

/// <summary>
/// Keeps a peer from flooding the journal with one kind of log line: at most
/// <c>linesPerInterval</c> lines are let through per interval; the rest are counted, and the count
/// is reported once, through the callback, when the interval ends (a timer) or just before the
/// next line is let through, whichever comes first. One instance per event kind.
/// </summary>
/// <remarks>
/// Thread-safe. A call takes a tiny lock and allocates nothing; the one timer is created with
/// the limiter and only re-armed. Time comes from <see cref="TimeProvider"/>, so tests drive it.
/// </remarks>
public sealed class LogRateLimiter : IDisposable
{
    private readonly int _linesPerInterval;
    private readonly long _intervalTicks;
    private readonly TimeProvider _time;
    private readonly Action<string, int> _reportSuppressed;
    private readonly ITimer _windowEnd;
    private readonly Lock _gate = new();
    private long _windowStart;
    private int _linesInWindow;
    private int _suppressed;
    private bool _windowEndArmed;
    private bool _disposed;

    /// <param name="eventName">the event this limiter guards, passed to <paramref name="reportSuppressed"/>.</param>
    /// <param name="reportSuppressed">logs "suppressed K similar messages (event name)"; called outside the lock.</param>
    public LogRateLimiter(string eventName, int linesPerInterval, TimeSpan interval, TimeProvider time, Action<string, int> reportSuppressed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(linesPerInterval, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        EventName = eventName;
        Interval = interval;
        _linesPerInterval = linesPerInterval;
        _time = time;
        _intervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);
        _reportSuppressed = reportSuppressed;
        _windowStart = time.GetTimestamp();
        _windowEnd = time.CreateTimer(static self => ((LogRateLimiter)self!).OnWindowEnd(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string EventName { get; }

    public int LinesPerInterval => _linesPerInterval;

    public TimeSpan Interval { get; }

    /// <summary>True: write the line now. False: it was counted as suppressed; write nothing.</summary>
    public bool ShouldLog()
    {
        int reportNow = 0;
        bool allowed;
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            if (now - _windowStart >= _intervalTicks)
            {
                _windowStart = now;
                _linesInWindow = 0;
                reportNow = _suppressed;
                _suppressed = 0;
            }

            allowed = _linesInWindow < _linesPerInterval;
            if (allowed)
            {
                _linesInWindow++;
            }
            else
            {
                _suppressed++;
                ArmWindowEnd(now);
            }
        }

        // Before the caller writes its line, so the summary reads in order.
        if (reportNow > 0)
        {
            _reportSuppressed(EventName, reportNow);
        }

        return allowed;
    }

    private void ArmWindowEnd(long now)
    {
        if (_windowEndArmed || _disposed)
        {
            return;
        }

        _windowEndArmed = true;
        long ticksLeft = Math.Max(0, _windowStart + _intervalTicks - now);
        _windowEnd.Change(TimeSpan.FromSeconds((double)ticksLeft / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
    }

    private void OnWindowEnd()
    {
        int suppressed;
        lock (_gate)
        {
            _windowEndArmed = false;
            suppressed = _suppressed;
            _suppressed = 0;
        }

        if (suppressed > 0)
        {
            _reportSuppressed(EventName, suppressed);
        }
    }

    /// <summary>Stops the timer; a count not yet reported is reported now, so none is lost at shutdown.</summary>
    public void Dispose()
    {
        int suppressed;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            suppressed = _suppressed;
            _suppressed = 0;
        }

        _windowEnd.Dispose();
        if (suppressed > 0)
        {
            _reportSuppressed(EventName, suppressed);
        }
    }
}
