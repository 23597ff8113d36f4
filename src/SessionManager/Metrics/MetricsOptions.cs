using System.Net;

namespace SessionManager.Metrics;

/// <summary><c>Metrics:*</c>: where the Prometheus text format is served.</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>address:port of the HTTP listener serving /metrics; empty: no exporter (the meters still feed dotnet-counters).</summary>
    public string Listen { get; set; } = "";

    /// <summary>The parsed <see cref="Listen"/>, or null when empty or malformed (the validator says which).</summary>
    internal IPEndPoint? ParseEndpoint() =>
        Listen.Length > 0 && Listen.Contains(':', StringComparison.Ordinal) && IPEndPoint.TryParse(Listen, out var endpoint) && endpoint.Port is > 0 and <= 65535 ? endpoint : null;
}
