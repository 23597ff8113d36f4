using System.Diagnostics.Metrics;

namespace SessionManager.Metrics;

/// <summary>
/// The daemon's own instruments (meter <c>SessionManager.Host</c>). A restart shows as a new
/// start time (PromQL: <c>changes(sessionmanager_host_start_time_seconds[1d])</c>): a daemon
/// cannot count its own restarts without state that outlives it.
/// </summary>
public sealed class HostMetrics
{
    public const string MeterName = "SessionManager.Host";

    public HostMetrics(IMeterFactory meters, TimeProvider time)
    {
        var meter = meters.Create(MeterName);
        double startedAt = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        meter.CreateObservableGauge("start_time", () => startedAt, unit: "s",
            description: "when this daemon process started, in seconds since the Unix epoch");

        // Sessions taken over from a previous daemon process after a restart. The daemon cannot
        // re-adopt sessions yet (a later issue): always 0, exported so dashboards need no change then.
        meter.CreateObservableCounter("sessions.adopted", () => 0L,
            description: "sessions adopted from a previous daemon process at start (always 0: adoption is not implemented yet)");
    }
}
