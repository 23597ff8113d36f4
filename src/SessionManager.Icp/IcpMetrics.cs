using System.Diagnostics.Metrics;
using SessionManager.Icp.Link;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp;

/// <summary>
/// The ICP engine's instruments (meter <c>SessionManager.Icp</c>): the RDS link and the SM→RDS
/// calls. Recorded on the call path, so with cached names and no allocation per call.
/// </summary>
public sealed class IcpMetrics
{
    public const string MeterName = "SessionManager.Icp";

    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _linkAttaches;

    /// <summary>Method names by ICP message type, filled as they are first seen (NameOf allocates).</summary>
    private readonly string?[] _names = new string?[128];

    public IcpMetrics(IMeterFactory meters, RdsLink link)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("rds.link.up", () => link.IsAttached ? 1 : 0,
            description: "1 while an RDS server is connected and handshaken, else 0");
        meter.CreateObservableGauge("calls.pending", () => link.Current?.PendingCallCount ?? 0,
            description: "SM->RDS calls waiting for their answers");
        _linkAttaches = meter.CreateCounter<long>("rds.link.attaches",
            description: "times an RDS server connected and finished its handshake (the first time, then every reconnect)");
        _callDuration = meter.CreateHistogram<double>("call.duration", unit: "s",
            description: "SM->RDS calls from sending to their answer or timeout, by method and result (ok, error: the RDS server's status, timeout)");

        // The link publishes its changes off the I/O threads; an attach is a (re)connect.
        link.Subscribe(e =>
        {
            if (e.Kind == RdsLinkEventKind.Attached)
            {
                _linkAttaches.Add(1);
            }

            return ValueTask.CompletedTask;
        });
    }

    public void CallEnded(uint msgType, TimeSpan elapsed, string result)
    {
        if (_callDuration.Enabled)
        {
            _callDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("method", NameOf(msgType)), new KeyValuePair<string, object?>("result", result));
        }
    }

    public static class Results
    {
        public const string Ok = "ok";
        public const string Error = "error";
        public const string Timeout = "timeout";
    }

    private string NameOf(uint msgType)
    {
        if (msgType >= _names.Length)
        {
            return IcpMessageTypes.NameOf(msgType);
        }

        // A benign race: two threads may both compute the same name once.
        return _names[msgType] ??= IcpMessageTypes.NameOf(msgType);
    }
}
