using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using SessionManager.Icp.Logging;

namespace SessionManager.UnitTests;

/// <summary>The limiter that keeps a peer from flooding the journal, driven by a fake clock.</summary>
public sealed class LogRateLimiterTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ConcurrentQueue<(string EventName, int Count)> _reports = new();

    private LogRateLimiter Create(int lines = 3) =>
        new("ClientRefused", lines, TimeSpan.FromSeconds(1), _time, (name, count) => _reports.Enqueue((name, count)));

    [Fact]
    public void The_first_lines_of_an_interval_pass_and_the_rest_are_counted_and_reported_once_when_it_ends()
    {
        using var limiter = Create(lines: 3);
        bool[] decisions = [.. Enumerable.Range(0, 10).Select(_ => limiter.ShouldLog())];

        Assert.Equal([true, true, true, false, false, false, false, false, false, false], decisions);
        Assert.Empty(_reports);

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(_reports);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([("ClientRefused", 7)], _reports);

        // Reported once: a later interval with nothing suppressed reports nothing.
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(limiter.ShouldLog());
        Assert.Single(_reports);
    }

    [Fact]
    public void A_new_interval_lets_lines_through_again()
    {
        using var limiter = Create(lines: 2);
        Assert.True(limiter.ShouldLog());
        Assert.True(limiter.ShouldLog());
        Assert.False(limiter.ShouldLog());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(limiter.ShouldLog());
        Assert.True(limiter.ShouldLog());
        Assert.False(limiter.ShouldLog());
    }

    [Fact]
    public void When_the_next_allowed_line_comes_before_the_timer_the_summary_is_reported_first_and_only_once()
    {
        // The clock moves but the timer has not run yet (as on a busy machine): the count goes out
        // with the next line let through, and the late timer then has nothing left to report.
        var clock = new ClockWithLateTimers();
        var order = new List<string>();
        using var limiter = new LogRateLimiter("HalfSentMessage", 1, TimeSpan.FromSeconds(1), clock, (_, count) => order.Add($"suppressed {count}"));
        Assert.True(limiter.ShouldLog());
        Assert.False(limiter.ShouldLog());
        Assert.False(limiter.ShouldLog());

        clock.Now += TimeSpan.FromSeconds(2).Ticks;
        if (limiter.ShouldLog())
        {
            order.Add("line");
        }

        clock.Timers.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["suppressed 2", "line"], order);
    }

    [Fact]
    public void Nothing_suppressed_means_no_summary()
    {
        using var limiter = Create(lines: 5);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(limiter.ShouldLog());
        }

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(_reports);
    }

    [Fact]
    public void Disposing_reports_a_count_the_timer_has_not_reported_yet()
    {
        var limiter = Create(lines: 1);
        limiter.ShouldLog();
        limiter.ShouldLog();
        limiter.ShouldLog();
        limiter.Dispose();
        Assert.Equal([("ClientRefused", 2)], _reports);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(_reports);
    }

    [Fact]
    public async Task Concurrent_callers_let_exactly_the_allowance_through_and_every_other_call_is_counted()
    {
        using var limiter = Create(lines: 10);
        int allowed = 0;
        using var start = new Barrier(8);
        // Own threads, not pool workers: eight blocked at the barrier would starve a 2-core pool.
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 5000; i++)
            {
                if (limiter.ShouldLog())
                {
                    Interlocked.Increment(ref allowed);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        await Task.WhenAll(callers);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, allowed);
        Assert.Equal([("ClientRefused", (8 * 5000) - 10)], _reports);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogRateLimiter("x", 0, TimeSpan.FromSeconds(1), _time, (_, _) => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogRateLimiter("x", 1, TimeSpan.Zero, _time, (_, _) => { }));
    }

    /// <summary>Timestamps set by the test; timers run only when the test advances <see cref="Timers"/>.</summary>
    private sealed class ClockWithLateTimers : TimeProvider
    {
        public long Now { get; set; }

        public FakeTimeProvider Timers { get; } = new();

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Timers.CreateTimer(callback, state, dueTime, period);
    }
}
