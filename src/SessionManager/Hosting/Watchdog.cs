using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Hosting;

namespace SessionManager.Hosting;

/// <summary>
/// systemd's watchdog (WatchdogSec= in the unit: systemd sets WATCHDOG_USEC and WATCHDOG_PID):
/// every half interval the watchdog posts a probe to each of the daemon's own loops (accept
/// loops, the ICP reader, the session registry, the thread pool and timers) and sends
/// WATCHDOG=1 only if every probe of the last round was answered. A loop that hangs stops the
/// pings, and systemd restarts the daemon; a timer that pinged by itself would keep a hung daemon
/// alive. The watchdog itself runs on a timer and the thread pool, so if those hang, nothing pings.
/// </summary>
internal sealed class Watchdog(ISystemdNotifier notifier, IEnumerable<ILivenessProbe> probes, TimeProvider time, ILogger<Watchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled || Interval() is not { } interval)
        {
            return;
        }

        var period = interval / 2;
        var all = probes.ToList();
        var stuck = new HashSet<string>(StringComparer.Ordinal);
        logger.WatchdogEnabled(period.TotalMilliseconds, string.Join(", ", all.Select(p => p.Name)));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            all.ForEach(p => p.Post());
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var silent = all.Where(p => !p.Answered).ToList();
                if (silent.Count == 0)
                {
                    notifier.Notify(new ServiceState("WATCHDOG=1"));
                }

                // One line when a loop stops answering and one when it answers again, not one per round.
                foreach (var p in silent.Where(p => stuck.Add(p.Name)))
                {
                    logger.WatchdogLoopStuck(p.Name, period.TotalMilliseconds);
                }

                foreach (var p in all.Where(p => p.Answered && stuck.Remove(p.Name)))
                {
                    logger.WatchdogLoopRecovered(p.Name);
                }

                all.ForEach(p => p.Post());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>WATCHDOG_USEC, if systemd set it for this process (WATCHDOG_PID, when set, is ours).</summary>
    internal static TimeSpan? Interval()
    {
        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { Length: > 0 } pid && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }
}

/// <summary>The thread pool and the timer queue: a one-shot timer whose callback runs on the pool.</summary>
internal sealed class ThreadPoolProbe(TimeProvider time) : ILivenessProbe, IDisposable
{
    private ITimer? _timer;
    private int _answered = 1;

    public string Name => "thread pool and timers";

    public bool Answered => Volatile.Read(ref _answered) == 1;

    public void Post()
    {
        if (Interlocked.Exchange(ref _answered, 0) == 0)
        {
            return; // the last timer has not fired yet
        }

        _timer?.Dispose();
        _timer = time.CreateTimer(static self => Volatile.Write(ref ((ThreadPoolProbe)self!)._answered, 1), this, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer?.Dispose();
}

internal static class WatchdogRegistration
{
    public static IServiceCollection AddWatchdog(this IServiceCollection services)
    {
        services.AddSingleton<ILivenessProbe, ThreadPoolProbe>();
        services.AddHostedService<Watchdog>();
        return services;
    }
}
