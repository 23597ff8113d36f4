using Microsoft.Extensions.Logging;

namespace SessionManager.Hosting;

/// <summary>The host's own events: reload 4000-4009, watchdog 4010-4019.</summary>
internal static partial class HostLog
{
    [LoggerMessage(4000, LogLevel.Information, "Configuration reloaded (generation {Generation}): changed {Changed}; changed but needing a restart, kept at their running values: {NeedRestart}")]
    public static partial void ConfigurationReloaded(this ILogger logger, int generation, string changed, string needRestart);

    [LoggerMessage(4001, LogLevel.Error, "Configuration reload refused, the running configuration is kept: {Problems}")]
    public static partial void ConfigurationReloadRefused(this ILogger logger, string problems);

    [LoggerMessage(4002, LogLevel.Information, "Reloading configuration (SIGHUP)")]
    public static partial void ConfigurationReloading(this ILogger logger);

    [LoggerMessage(4010, LogLevel.Information, "systemd watchdog: WATCHDOG=1 every {PeriodMs} ms while {Loops} answer")]
    public static partial void WatchdogEnabled(this ILogger logger, double periodMs, string loops);

    [LoggerMessage(4011, LogLevel.Warning, "systemd watchdog: {Loop} did not answer within {PeriodMs} ms; no WATCHDOG=1 until it does (systemd restarts the daemon at WatchdogSec)")]
    public static partial void WatchdogLoopStuck(this ILogger logger, string loop, double periodMs);

    [LoggerMessage(4012, LogLevel.Information, "systemd watchdog: {Loop} answers again")]
    public static partial void WatchdogLoopRecovered(this ILogger logger, string loop);
}
