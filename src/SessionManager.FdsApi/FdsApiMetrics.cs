using System.Diagnostics.Metrics;

namespace SessionManager.FdsApi;

/// <summary>
/// The fdsapi server's instruments (meter <c>SessionManager.FdsApi</c>): calls by method and
/// result, clients by transport. Labels are fixed words and method names, never a user, a
/// token or an address.
/// </summary>
public sealed class FdsApiMetrics
{
    public const string MeterName = "SessionManager.FdsApi";

    private readonly Counter<long> _calls;
    private readonly Counter<long> _connections;

    public FdsApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _calls = meter.CreateCounter<long>("calls",
            description: "fdsapi calls by method and result: ok (answered; for bridged methods, by the RDS server, yes or no), denied (check point), no_route (no such session), error (ICP failure), cancelled (client left or shutdown), crashed");
        _connections = meter.CreateCounter<long>("connections",
            description: "Thrift clients accepted, by transport (plain, tls), counted once their wire format is known");
    }

    public void Call(string method, string result)
    {
        if (_calls.Enabled)
        {
            _calls.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("result", result));
        }
    }

    public void Connection(bool tls) => _connections.Add(1, new KeyValuePair<string, object?>("transport", tls ? "tls" : "plain"));

    public static class Results
    {
        public const string Ok = "ok";
        public const string Denied = "denied";
        public const string NoRoute = "no_route";
        public const string Error = "error";
        public const string Cancelled = "cancelled";
        public const string Crashed = "crashed";
    }
}
