using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using SessionManager.Icp.Hosting;

namespace SessionManager.Metrics;

/// <summary>
/// Serves <c>http://&lt;Metrics:Listen&gt;/metrics</c> in the Prometheus text format while the host
/// runs (prometheus-net's HttpListener-based MetricServer: no ASP.NET). Off when Metrics:Listen is
/// empty: then nothing listens to the meters but dotnet-counters, and recording costs a flag check.
/// </summary>
// HostMetrics is taken so that its instruments exist (for dotnet-counters too): it has no other owner.
internal sealed class MetricsExporter(IOptions<MetricsOptions> options, HostMetrics hostMetrics, IServiceProvider services, ILogger<MetricsExporter> logger) : IHostedService, IDisposable
{
    private PrometheusBridge? _bridge;
    private MetricServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Listen.Length == 0)
        {
            return Task.CompletedTask;
        }

        var endpoint = o.ParseEndpoint() ?? throw new StartupException($"Metrics:Listen: must be address:port such as 127.0.0.1:9464 (got '{o.Listen}')");

        GC.KeepAlive(hostMetrics);
        _bridge = new PrometheusBridge(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _server = new MetricServer(HostName(endpoint.Address), endpoint.Port, "metrics/", _bridge.Registry);
        try
        {
            _server.Start();
        }
        catch (Exception ex) when (ex is HttpListenerException or System.Net.Sockets.SocketException)
        {
            Dispose();
            throw new StartupException($"Metrics:Listen: cannot listen on {o.Listen}: {ex.Message}", ex);
        }

        logger.MetricsListening($"http://{o.Listen}/metrics");
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            logger.MetricsBeyondLoopback(o.Listen);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            await server.StopAsync();
        }

        Dispose();
    }

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
        _bridge?.Dispose();
        _bridge = null;
    }

    /// <summary>HttpListener's host part: "+" for any address, brackets around IPv6.</summary>
    internal static string HostName(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? "+"
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]"
        : address.ToString();
}

internal static partial class MetricsLog
{
    [LoggerMessage(3900, LogLevel.Information, "Metrics served at {Url} (Prometheus text format)")]
    public static partial void MetricsListening(this ILogger logger, string url);

    [LoggerMessage(3901, LogLevel.Warning, "Metrics:Listen is {Listen}, beyond loopback: anyone who can reach it reads the metrics (counts only, no names), without authentication")]
    public static partial void MetricsBeyondLoopback(this ILogger logger, string listen);
}
